/** Sizes of what a browser downloads: the embed bundle (raw and gzip) and the served assets. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '..');

function kb(bytes: number): number {
  return Math.round((bytes / 1024) * 10) / 10;
}

export async function benchBundle(): Promise<{ rows: Array<Record<string, string | number>> }> {
  const rows: Array<Record<string, string | number>> = [];
  const sdk = join(ROOT, 'dist/sdk');
  for (const f of existsSync(sdk) ? readdirSync(sdk) : []) {
    if (!f.endsWith('.js')) continue;
    const bytes = readFileSync(join(sdk, f));
    rows.push({
      file: `sdk/${f}`,
      kB: kb(bytes.length),
      'gzip kB': kb(gzipSync(bytes, { level: 9 }).length),
    });
  }
  const assets = join(ROOT, 'dist/assets');
  if (existsSync(assets)) {
    for (const f of readdirSync(assets, { recursive: true, encoding: 'utf8' }).sort()) {
      const p = join(assets, f);
      if (!statSync(p).isFile() || f.endsWith('.json')) continue;
      const bytes = readFileSync(p);
      rows.push({
        file: `assets/${f}`,
        kB: kb(bytes.length),
        'gzip kB': kb(gzipSync(bytes, { level: 6 }).length),
      });
    }
  }
  return { rows };
}
