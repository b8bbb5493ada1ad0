/**
 * Writes `custom-elements.json` (the element's public API: attributes, properties, events, CSS parts and custom
 * properties, read from the JSDoc on the element classes) with @custom-elements-manifest/analyzer.
 *
 * Usage: tsx scripts/custom-elements.ts [outdir]   (relative to the repository root; default: dist)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const outdir = process.argv[2] ?? 'dist';
const require = createRequire(import.meta.url);
const analyzerPackage = require.resolve('@custom-elements-manifest/analyzer/package.json');
const cli = join(dirname(analyzerPackage), 'cem.js');

// The analyzer also rewrites package.json's `customElements` field to wherever it wrote; ours is fixed
// (`dist/custom-elements.json`), so put package.json back as it was.
const packageJson = join(import.meta.dirname, '..', 'package.json');
const packageJsonBefore = readFileSync(packageJson, 'utf8');
const result = spawnSync(
  process.execPath,
  [
    cli,
    'analyze',
    '--litelement',
    '--globs',
    'src/widget/**/*.ts',
    '--exclude',
    'src/widget/locales/**',
    '--outdir',
    outdir,
  ],
  { stdio: 'inherit' },
);
if (readFileSync(packageJson, 'utf8') !== packageJsonBefore) writeFileSync(packageJson, packageJsonBefore);
process.exit(result.status ?? 1);
