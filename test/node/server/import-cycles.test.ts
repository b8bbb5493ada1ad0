/** The server has no import cycle (issue #15, item 6): madge over src/server, type-only imports included. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../support/server.js';

// madge ships no type declarations; this is the one call we make.
const madge = createRequire(import.meta.url)('madge') as (
  path: string,
  options: { fileExtensions: string[]; tsConfig?: string },
) => Promise<{ circular(): string[][] }>;

describe('server module graph', () => {
  it('has no circular imports', async () => {
    const graph = await madge(join(REPO_ROOT, 'src/server'), {
      fileExtensions: ['ts'],
      tsConfig: join(REPO_ROOT, 'tsconfig.json'),
    });
    assert.deepEqual(graph.circular(), []);
  });
});
