import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * Three builds (`npm run build:web` runs them all):
 * - default: the embed bundle `dist/sdk/idv-capture.js`, one ES module with everything inlined, served by idv-server
 *   at /sdk/idv-capture.js for `<script type="module">` embedding;
 * - `--mode lib`: the library build in `dist/lib/` for bundler users; dependencies stay external;
 * - `--mode hosted`: the hosted page's script and styles (`dist/hosted/hosted.js`, `hosted.css`, served under
 *   /web/v1/assets/), the iframe helper `dist/hosted/embed.js` (served as /sdk/embed.js) and `<idv-handoff>`
 *   (`dist/hosted/handoff.js`, served as /sdk/handoff.js). The hosted page loads
 *   the widget itself from /sdk, so the browser caches one copy for both embedding styles.
 */
export default defineConfig(({ mode }) => {
  const root = import.meta.dirname;
  if (mode === 'lib') {
    return {
      build: {
        outDir: resolve(root, 'dist/lib'),
        emptyOutDir: true,
        sourcemap: true,
        target: 'es2022',
        lib: {
          entry: {
            index: resolve(root, 'src/index.ts'),
            analysis: resolve(root, 'src/analysis/index.ts'),
            shared: resolve(root, 'src/shared/index.ts'),
            embed: resolve(root, 'src/embed/index.ts'),
          },
          formats: ['es'],
        },
        rollupOptions: {
          external: [/^lit/, /^@lit\//, /^zod/, /^@mediapipe\//, /^browser-image-compression/, /^zxing-wasm/],
        },
      },
    };
  }
  if (mode === 'hosted') {
    return {
      build: {
        outDir: resolve(root, 'dist/hosted'),
        emptyOutDir: true,
        sourcemap: true,
        target: 'es2022',
        // JS entries, no HTML: the server renders the page shell (src/server/routes/hosted.ts).
        modulePreload: false,
        rollupOptions: {
          input: {
            hosted: resolve(root, 'src/hosted/hosted-page.ts'),
            embed: resolve(root, 'src/embed/index.ts'),
            handoff: resolve(root, 'src/widget/handoff/idv-handoff.ts'),
          },
          // The embed helper is a library: keep its exports.
          preserveEntrySignatures: 'exports-only' as const,
          output: {
            format: 'es' as const,
            entryFileNames: '[name].js',
            chunkFileNames: 'chunks/[name]-[hash].js',
            assetFileNames: '[name][extname]',
          },
        },
      },
    };
  }
  return {
    // Relative URLs (worker, chunks) resolve against the module's own URL, wherever /sdk/ or /sdk/v<version>/ is.
    // With the default '/' the analysis worker would be looked up at the site root (`/chunks/…`).
    base: './',
    // ES-module worker: MediaPipe and zxing stay separate chunks the worker imports only when a step needs them.
    worker: { format: 'es' },
    build: {
      outDir: resolve(root, 'dist/sdk'),
      // lazily loaded chunks and the worker; `/sdk/assets/` is where the models and wasm are served from
      assetsDir: 'chunks',
      // Lib mode minifies ES output only partly (mangled, but whitespace and formatting kept, so that consumers'
      // bundlers can tree-shake it). The embed bundle goes to browsers as it is: minify it fully.
      minify: 'oxc',
      rolldownOptions: { output: { minify: true } },
      emptyOutDir: true,
      sourcemap: true,
      target: 'es2022',
      lib: {
        entry: resolve(root, 'src/idv-capture.ts'),
        formats: ['es'],
        fileName: () => 'idv-capture.js',
      },
    },
  };
});
