// Chart colours. Every chart takes its series colours from the user's palette in order,
// so a colour-blind-safe palette changes every chart at once.

export const PALETTES = {
  default: {
    label: 'Default',
    colours: ['#6366f1', '#10b981', '#f59e0b', '#e11d48', '#0ea5e9', '#8b5cf6', '#14b8a6', '#64748b'],
  },
  // Okabe & Ito's palette, told apart under every common colour-vision deficiency. Their
  // black is last: charts with up to seven series never use it, so it stays visible on
  // the dark theme.
  okabe_ito: {
    label: 'Colour-blind safe (Okabe–Ito)',
    colours: ['#0072b2', '#e69f00', '#009e73', '#d55e00', '#56b4e9', '#cc79a7', '#f0e442', '#000000'],
  },
} as const;

export type PaletteName = keyof typeof PALETTES;

export const PALETTE_NAMES = Object.keys(PALETTES) as PaletteName[];

export function isPaletteName(value: unknown): value is PaletteName {
  return typeof value === 'string' && value in PALETTES;
}

/** The `index`-th colour of a palette, starting over after its last. */
export function colourAt(palette: PaletteName, index: number): string {
  const { colours } = PALETTES[palette];
  return colours[index % colours.length] ?? colours[0];
}

/** `#rrggbb` with an alpha channel, for fills under a line. */
export function withAlpha(hex: string, alpha: number): string {
  const channel = Math.round(alpha * 255)
    .toString(16)
    .padStart(2, '0');
  return `${hex}${channel}`;
}
