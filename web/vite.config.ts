/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const apiPrefixes = ['/users', '/orders', '/inventory'];

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    // Read (and then removed) by scripts/postbuild.mjs to check the size budget.
    manifest: 'build-manifest.json',
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    // `npm run dev` talks to `make run` on port 3000.
    proxy: Object.fromEntries(
      apiPrefixes.map((prefix) => [prefix, { target: 'http://127.0.0.1:3000' }]),
    ),
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    restoreMocks: true,
  },
});
