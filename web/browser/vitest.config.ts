import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    environment: 'node',
    include: ['**/*.browser.ts'],
    globalSetup: ['global-setup.ts'],
    // The scenarios build on each other (the order one user places is the one the admin
    // ships), so they run in order, one file at a time.
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 60_000,
    hookTimeout: 150_000,
  },
});
