// The dashboard renderer: Svelte 5 built by Vite into dist/renderer, loaded by Electron from its
// app protocol (relative base, so the same files also work when the test bridge serves them over
// HTTP).
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { CONTENT_SECURITY_POLICY, DEV_SERVER_CONTENT_SECURITY_POLICY } from '../src-main/app/csp.ts';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The built page's <meta> policy comes from src-main/app/csp.ts, the one the shell and the
 * bridge send as a header, so the two cannot drift apart (index.html carries none of its own).
 */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'picolink-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [contentSecurityPolicy(), svelte()],
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
  server: { strictPort: false, headers: { 'Content-Security-Policy': DEV_SERVER_CONTENT_SECURITY_POLICY } },
});
