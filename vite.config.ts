import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * Two builds (`npm run build:web` runs both):
 * - default: the embed bundle `dist/sdk/idv-capture.js`, one ES module with everything inlined, served by idv-server
 *   at /sdk/idv-capture.js for `<script type="module">` embedding;
 * - `--mode lib`: the library build in `dist/lib/` for bundler users; dependencies stay external.
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
          },
          formats: ['es'],
        },
        rollupOptions: {
          external: [/^lit/, /^@lit\//, /^zod/, /^@mediapipe\//, /^browser-image-compression/, /^zxing-wasm/],
        },
      },
    };
  }
  return {
    build: {
      outDir: resolve(root, 'dist/sdk'),
      // lazily loaded chunks and the worker; `/sdk/assets/` is where the models and wasm are served from
      assetsDir: 'chunks',
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
