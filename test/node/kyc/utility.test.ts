/**
 * The KYC API's utility operations: each answers its documented shape; readiness, status and health name the
 * failing dependency (a closed database, an object store that went away) and answer 503 / degraded; system metrics
 * keep to the metrics token and count what the database holds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createApp } from '../../../src/server/app.js';
import { S3BlobStore } from '../../../src/server/blobs/s3-blob-store.js';
import { loadConfig } from '../../../src/server/config.js';
import { sweepExpiredExecutions } from '../../../src/server/executions/expiry.js';
import { testDatabases } from '../../support/databases.js';
import { startS3Server } from '../../support/s3-server.js';
import { createAccount, createTestClient, openTestApp, type TestApp } from '../../support/server.js';

/** An answer's JSON, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape
type Json = any;

const METRICS_TOKEN = 'metrics-secret-1';

async function json(app: Pick<TestApp, 'request'>, path: string, init?: RequestInit) {
  const response = await app.request(path, init);
  return { status: response.status, body: (await response.json()) as Json };
}

for (const target of testDatabases()) {
  describe(`KYC utility operations (${target.name})`, () => {
    let app: TestApp;
    before(async () => {
      app = await openTestApp(target, { config: { metricsToken: METRICS_TOKEN } });
    });
    after(() => app.close());

    it('root, ping, version and the simple probes answer their shapes', async () => {
      const root = await json(app, '/kyc/v2');
      assert.equal(root.status, 200);
      assert.deepEqual(Object.keys(root.body).sort(), ['api', 'api_version', 'docs', 'name', 'version']);
      assert.deepEqual(
        [root.body.name, root.body.api, root.body.api_version],
        ['idv-server', 'kyc', '2.10.15'],
      );
      assert.match(root.body.version, /^\d+\.\d+\.\d+/);
      const ping = await json(app, '/kyc/v2/ping');
      assert.deepEqual(ping.body, { ping: 'pong', timestamp: app.clock.now().toISOString() });
      const version = await json(app, '/kyc/v2/version');
      assert.deepEqual(version.body, {
        name: 'idv-server',
        version: root.body.version,
        api_version: '2.10.15',
      });
      for (const probe of ['/kyc/v2/health/liveness', '/kyc/v2/health/simple']) {
        assert.deepEqual(await json(app, probe), { status: 200, body: { status: 'ok' } }, probe);
      }
    });

    it('status counts uptime from the start and turns degraded while draining', async () => {
      const first = await json(app, '/kyc/v2/status');
      assert.equal(first.body.status, 'ok');
      app.clock.advance(90_000);
      const later = await json(app, '/kyc/v2/status');
      assert.equal(later.body.uptime_seconds - first.body.uptime_seconds, 90);
      assert.equal(later.body.started_at, first.body.started_at);
      app.idv.ctx.draining = true;
      try {
        assert.equal((await json(app, '/kyc/v2/status')).body.status, 'degraded');
        const readiness = await json(app, '/kyc/v2/health/readiness');
        assert.equal(readiness.status, 503);
        assert.equal(readiness.body.status, 'unavailable');
      } finally {
        app.idv.ctx.draining = false;
      }
    });

    it('readiness and health check every dependency', async () => {
      const readiness = await json(app, '/kyc/v2/health/readiness');
      assert.deepEqual(readiness, {
        status: 200,
        body: { status: 'ok', checks: { database: 'ok', blob_store: 'ok' } },
      });
      const health = await json(app, '/kyc/v2/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      const { checks } = health.body;
      assert.equal(checks.database.status, 'ok');
      assert.ok(Number.isInteger(checks.database.latency_ms) && checks.database.latency_ms >= 0);
      assert.equal(checks.blob_store.status, 'ok');
      assert.equal(checks.face_models.status, 'ok');
      assert.match(checks.face_models.detail, /6 models/);
      assert.deepEqual(checks.queue, { status: 'ok', pending: 0, oldest_pending_age_seconds: 0 });
    });

    it('system metrics want the metrics token and count sessions, jobs and deliveries', async () => {
      assert.equal((await app.request('/kyc/v2/system/metrics')).status, 401);
      const wrong = await app.request('/kyc/v2/system/metrics', {
        headers: { authorization: 'Bearer nope' },
      });
      assert.equal(wrong.status, 401);
      const client = await createTestClient(app);
      await createAccount(app, client);
      await createAccount(app, client);
      const auth = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };
      const metrics = await json(app, '/kyc/v2/system/metrics', auth);
      assert.equal(metrics.status, 200);
      assert.deepEqual(metrics.body.sessions, { total: 2, processed: 0 });
      assert.deepEqual(Object.keys(metrics.body.memory).sort(), [
        'external_bytes',
        'heap_total_bytes',
        'heap_used_bytes',
        'rss_bytes',
      ]);
      assert.ok(metrics.body.memory.rss_bytes > 0);
      assert.equal(metrics.body.cpu.load_average.length, 3);
      assert.ok(metrics.body.cpu.user_us > 0);
      assert.deepEqual(Object.keys(metrics.body.queue).sort(), ['failed', 'pending', 'running']);
      assert.deepEqual(Object.keys(metrics.body.webhooks).sort(), ['delivered', 'failed', 'pending']);

      // Two token expiries: two status callbacks queued in the outbox (not sent here) and two delivery jobs.
      app.clock.advance(31 * 60_000);
      assert.equal(await sweepExpiredExecutions(app.idv.ctx), 2);
      const after = await json(app, '/kyc/v2/system/metrics', auth);
      assert.deepEqual(after.body.webhooks, { pending: 2, delivered: 0, failed: 0 });
      assert.equal(after.body.queue.pending, metrics.body.queue.pending + 2);
    });
  });
}

describe('KYC health with a failing dependency', () => {
  it('answers 503 naming the object store once it is gone', async () => {
    const s3 = await startS3Server('idv-kyc-health');
    const handle = await testDatabases()[0]!.open();
    const blobs = new S3BlobStore(s3.storeOptions({ requestTimeoutMs: 2_000 }));
    const idv = await createApp({
      config: loadConfig({ IDV_DATA_DIR: '/nonexistent-idv-data' }),
      db: handle.db,
      blobs,
      logger: pino({ level: 'silent' }),
    });
    try {
      assert.equal((await idv.app.request('/kyc/v2/health/readiness')).status, 200);
      await s3.close();
      const readiness = await idv.app.request('/kyc/v2/health/readiness');
      assert.equal(readiness.status, 503);
      assert.deepEqual(await readiness.json(), {
        status: 'unavailable',
        checks: { database: 'ok', blob_store: 'failing' },
      });
      const health = await idv.app.request('/kyc/v2/health');
      assert.equal(health.status, 503);
      const body = (await health.json()) as Json;
      assert.equal(body.status, 'failing');
      assert.equal(body.checks.blob_store.status, 'failing');
      assert.equal(body.checks.database.status, 'ok');
      assert.equal(((await (await idv.app.request('/kyc/v2/status')).json()) as Json).status, 'degraded');
    } finally {
      await idv.close();
      blobs.close();
      await handle.close();
    }
  });

  it('answers 503 naming the database when it is closed', async () => {
    const handle = await testDatabases()[0]!.open();
    const dataDir = mkdtempSync(join(tmpdir(), 'idv-kyc-health-'));
    const idv = await createApp({
      db: handle.db,
      logger: pino({ level: 'silent' }),
      config: loadConfig({ IDV_DATA_DIR: dataDir }),
    });
    await handle.close();
    try {
      const readiness = await idv.app.request('/kyc/v2/health/readiness');
      assert.equal(readiness.status, 503);
      assert.deepEqual(await readiness.json(), {
        status: 'unavailable',
        checks: { database: 'failing', blob_store: 'ok' },
      });
      const health = await idv.app.request('/kyc/v2/health');
      assert.equal(health.status, 503);
      const body = (await health.json()) as Json;
      assert.equal(body.checks.database.status, 'failing');
      assert.equal(body.checks.queue.status, 'failing');
      assert.equal(body.checks.queue.pending, null);
    } finally {
      await idv.close().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
