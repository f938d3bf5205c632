// Runs after `vite build`: checks the JavaScript size budget (printed with every build;
// the build fails when a budget is exceeded) and writes precompressed `.br` and `.gz`
// siblings that the static-file component serves to clients that accept them.

import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const manifestPath = join(dist, 'build-manifest.json');
const KB = 1024;

/** What a page loads: its entry points plus everything they import statically. */
const budgets = [
  {
    name: 'before login',
    entries: ['index.html', 'src/features/auth/LoginPage.tsx'],
    limit: 90 * KB,
  },
  {
    name: 'dashboard (with charts)',
    entries: ['index.html', 'src/app/AuthenticatedApp.tsx', 'src/features/dashboard/DashboardPage.tsx'],
    limit: 180 * KB,
  },
];

/** @param {Buffer} buffer */
const gzip = (buffer) => gzipSync(buffer, { level: 9 });
/** @param {Buffer} buffer */
const brotli = (buffer) =>
  brotliCompressSync(buffer, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: buffer.length,
    },
  });

/** @typedef {{ file: string, src?: string, name?: string, imports?: string[] }} Chunk */

/**
 * Vite keys some dynamic entries by chunk name rather than by source path; the chunk's
 * name is the source file's base name.
 * @param {Record<string, Chunk>} manifest
 * @param {string} source
 */
function findBySource(manifest, source) {
  const name = basename(source).replace(/\.[jt]sx?$/, '');
  return Object.values(manifest).find((chunk) => chunk.src === source || chunk.name === name);
}

/**
 * @param {Record<string, Chunk>} manifest
 * @param {string[]} entries
 */
function chunkFiles(manifest, entries) {
  /** @type {Set<string>} */
  const files = new Set();
  /** @param {string} key */
  const visit = (key) => {
    const chunk = manifest[key] ?? findBySource(manifest, key);
    if (!chunk) throw new Error(`budget entry ${key} is not in the build manifest`);
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  entries.forEach(visit);
  return [...files].filter((file) => file.endsWith('.js'));
}

function checkBudgets() {
  /** @type {Record<string, Chunk>} */
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  let failed = false;
  console.log('\nJavaScript size budget (gzipped):');
  for (const budget of budgets) {
    const files = chunkFiles(manifest, budget.entries);
    const size = files.reduce((sum, file) => sum + gzip(readFileSync(join(dist, file))).length, 0);
    const ok = size <= budget.limit;
    failed ||= !ok;
    console.log(
      `  ${ok ? 'ok  ' : 'OVER'} ${budget.name.padEnd(26)} ${(size / KB).toFixed(1).padStart(6)} KB` +
        ` of ${budget.limit / KB} KB  (${files.length} files)`,
    );
  }
  return !failed;
}

/**
 * @param {string} directory
 * @returns {string[]}
 */
function walk(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const COMPRESSIBLE = /\.(html|js|mjs|css|svg|json|txt|xml|webmanifest|map)$/;

function precompress() {
  let count = 0;
  for (const path of walk(dist)) {
    if (!COMPRESSIBLE.test(path)) continue;
    const original = readFileSync(path);
    /** @type {[string, (buffer: Buffer) => Buffer][]} */
    const variants = [
      ['.br', brotli],
      ['.gz', gzip],
    ];
    for (const [suffix, compress] of variants) {
      const compressed = compress(original);
      // A variant that is not smaller is not worth sending.
      if (compressed.length < original.length) {
        writeFileSync(path + suffix, compressed);
        count += 1;
      }
    }
  }
  console.log(`Precompressed ${count} files in ${relative(process.cwd(), dist) || dist}.`);
}

const withinBudget = checkBudgets();
// The manifest is for this script only; it is not part of the site.
rmSync(manifestPath);
precompress();
if (!withinBudget) {
  console.error('\nThe size budget is exceeded: make the pages above smaller.');
  process.exit(1);
}
