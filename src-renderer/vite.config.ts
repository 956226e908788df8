// The dashboard renderer: Svelte 5 built by Vite into dist/renderer, loaded by Electron from
// file:// (hence the relative base) or served by the test bridge over HTTP.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // chart.js plus the zoom plugin is a single sizeable chunk; that is expected.
    chunkSizeWarningLimit: 1024,
    // No inline scripts or data: modules: the CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { strictPort: false },
});
