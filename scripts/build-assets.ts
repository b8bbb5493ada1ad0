/**
 * `npm run build:assets` → `tsx scripts/build-assets.ts dist/assets [--force]`
 *
 * Writes the offline runtime assets (face models, MediaPipe wasm, zxing reader wasm, manifest.json) from
 * installed npm packages; see scripts/assets/build-offline-assets.ts. Skips the work when manifest.json shows
 * the outputs already match the inputs.
 */
import { resolve } from 'node:path';
import { AssetBuildError } from './assets/asset-build-error.js';
import { buildOfflineAssets } from './assets/build-offline-assets.js';

const args = process.argv.slice(2);
const force = args.includes('--force');
const outDir = resolve(args.find((a) => !a.startsWith('--')) ?? 'dist/assets');

try {
  const started = performance.now();
  const report = buildOfflineAssets({ outDir, force, log: (line) => console.log(line) });
  const total = report.manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  console.log(
    `${report.upToDate ? 'up to date' : 'built'}: ${report.manifest.files.length} files, ` +
      `${(total / 1e6).toFixed(1)} MB in ${outDir} (${Math.round(performance.now() - started)} ms)`,
  );
  for (const path of report.checksumMismatches) {
    console.warn(
      `warning: ${path} differs from the checksum in scripts/assets/checksums.ts; a source package changed. ` +
        'Check it with test/browser/offline-models.test.ts before updating the checksum.',
    );
  }
} catch (error) {
  const code = error instanceof AssetBuildError ? error.code : 'UNEXPECTED';
  console.error(`build:assets failed [${code}]: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
