/** The generated custom-elements.json documents the public contract of DESIGN.md §3, read from the JSDoc. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '../../..');

describe('custom-elements.json', () => {
  const out = mkdtempSync(join(tmpdir(), 'idv-cem-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('lists <idv-capture> with its attributes, events, parts and custom properties', () => {
    // the script takes an outdir relative to the repository root
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/custom-elements.ts', relative(ROOT, out)],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const manifest = JSON.parse(readFileSync(join(out, 'custom-elements.json'), 'utf8')) as {
      modules: Array<{ declarations?: Array<Record<string, unknown>> }>;
    };
    const element = manifest.modules
      .flatMap((m) => m.declarations ?? [])
      .find((d) => d.tagName === 'idv-capture') as
      | {
          attributes?: Array<{ name: string }>;
          events?: Array<{ name: string }>;
          cssParts?: Array<{ name: string }>;
          cssProperties?: Array<{ name: string }>;
        }
      | undefined;
    assert.ok(element, 'idv-capture is declared');
    const names = (xs?: Array<{ name: string }>) => new Set((xs ?? []).map((x) => x.name));
    for (const a of ['token', 'api-base', 'asset-base', 'locale', 'success-url', 'error-url']) {
      assert.ok(names(element.attributes).has(a), `attribute ${a}`);
    }
    for (const e of [
      'idv-ready',
      'idv-step-change',
      'idv-capture',
      'idv-upload-progress',
      'idv-complete',
      'idv-error',
      'idv-cancel',
    ]) {
      assert.ok(names(element.events).has(e), `event ${e}`);
    }
    assert.ok(names(element.cssParts).has('panel'), 'part panel');
    assert.ok(names(element.cssProperties).has('--idv-color-primary'), 'custom property --idv-color-primary');
  });
});
