// A chart as a PNG file. uPlot draws on a canvas (there is no SVG to save), so the image
// is that canvas on the page's background colour, under the chart's title.

const TITLE_HEIGHT = 32;

function canvasBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The chart could not be drawn.'))), 'image/png');
  });
}

/** The chart drawn in `container` as a PNG, with `title` above it. */
export function chartPng(container: HTMLElement, title: string): Promise<Blob> {
  const chart = container.querySelector('canvas');
  if (!chart) return Promise.reject(new Error('The chart is not drawn yet.'));
  // The chart's canvas is in device pixels; the title is drawn at the same scale.
  const scale = chart.width / Math.max(1, chart.clientWidth);
  const image = document.createElement('canvas');
  image.width = chart.width;
  image.height = chart.height + TITLE_HEIGHT * scale;
  const context = image.getContext('2d');
  if (!context) return Promise.reject(new Error('The browser cannot draw images.'));
  const styles = getComputedStyle(container);
  // The card's background, so the image looks as the chart does on the page (light or dark).
  context.fillStyle = getComputedStyle(container.closest('section') ?? document.body).backgroundColor;
  context.fillRect(0, 0, image.width, image.height);
  context.fillStyle = styles.color;
  context.font = `600 ${14 * scale}px ${styles.fontFamily}`;
  context.textBaseline = 'middle';
  context.fillText(title, 8 * scale, (TITLE_HEIGHT / 2) * scale);
  context.drawImage(chart, 0, TITLE_HEIGHT * scale);
  return canvasBlob(image);
}
