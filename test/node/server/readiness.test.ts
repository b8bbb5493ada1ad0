/** /readyz answers 503 naming the failing dependency: the database, or the object store (S3 unreachable). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { createApp } from '../../../src/server/app.js';
import { S3BlobStore } from '../../../src/server/blobs/s3-blob-store.js';
import { loadConfig } from '../../../src/server/config.js';
import { testDatabases } from '../../support/databases.js';
import { startS3Server } from '../../support/s3-server.js';

describe('readiness', () => {
  it('is ready on S3, and not ready once the object store is gone', async () => {
    const s3 = await startS3Server('idv-ready');
    const handle = await testDatabases()[0]!.open();
    const blobs = new S3BlobStore(s3.storeOptions({ requestTimeoutMs: 2_000 }));
    const idv = await createApp({
      config: loadConfig({ IDV_DATA_DIR: '/nonexistent-idv-data' }),
      db: handle.db,
      blobs,
      logger: pino({ level: 'silent' }),
    });
    try {
      const ready = await idv.app.request('/readyz');
      assert.equal(ready.status, 200);
      // Graceful shutdown begins: the balancer is told to stop sending new requests.
      idv.ctx.draining = true;
      assert.equal((await idv.app.request('/readyz')).status, 503);
      idv.ctx.draining = false;
      await s3.close();
      const gone = await idv.app.request('/readyz');
      assert.equal(gone.status, 503);
      assert.deepEqual(((await gone.json()) as { checks: unknown }).checks, {
        database: 'ok',
        blobStore: 'failing',
      });
    } finally {
      await idv.close();
      blobs.close();
      await handle.close();
    }
  });

  it('is not ready when the database is unreachable', async () => {
    const handle = await testDatabases()[0]!.open();
    const dataDir = mkdtempSync(join(tmpdir(), 'idv-ready-'));
    const idv = await createApp({
      db: handle.db,
      logger: pino({ level: 'silent' }),
      config: loadConfig({ IDV_DATA_DIR: dataDir }),
    });
    await handle.close();
    const response = await idv.app.request('/readyz');
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { checks: { database: string } }).checks.database, 'failing');
    await idv.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });
});
