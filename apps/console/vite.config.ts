import { defineConfig } from 'vite';

/**
 * The console is built into dist/ (index.html + hashed assets under assets/) and served by the
 * ingress under /admin (apps/ingress/src/routes/admin/console.ts). Everything is bundled: no CDN,
 * no web font, no inline script (the ingress CSP allows 'self' only).
 */
export default defineConfig({
  base: '/admin/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // An inlined asset would be a data: URL script or style; keep every file separate.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
  },
});
