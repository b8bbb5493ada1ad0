/**
 * Retention and purge (issue #17): a client's `retention_days` wipes the PII of its old executions as a job, with an
 * audit row; finished jobs and settled deliveries are purged after `purgeAfterDays`; /metrics shows both.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { purgeAndApplyRetention, setRetentionDays } from '../../../src/server/queue/maintenance.js';
import { testDatabases } from '../../support/databases.js';
import {
  captureEverything,
  createAccount,
  createTestClient,
  openTestApp,
  recordingFetch,
  type TestApp,
  type TestClient,
} from '../../support/server.js';

const DAY = 86_400_000;

function blobCount(dataDir: string, executionId: string): number {
  try {
    return readdirSync(join(dataDir, 'blobs', 'executions', executionId), { recursive: true }).length;
  } catch {
    return 0;
  }
}

for (const target of testDatabases()) {
  describe(`retention and purge (${target.name})`, () => {
    let app: TestApp;
    let retained: TestClient;
    let keeper: TestClient;
    const webhooks = recordingFetch();
    before(async () => {
      app = await openTestApp(target, { config: { purgeAfterDays: 7 }, fetch: webhooks.fetch });
      retained = await createTestClient(app, ['https://shop.example'], 'Short retention');
      keeper = await createTestClient(app, ['https://shop.example'], 'Keeps everything');
    });
    after(() => app.close());

    it('wipes PII of executions past the client’s retention only, once, with an audit row; purges old work', async () => {
      await setRetentionDays(app.idv.ctx.db, retained.id, 30);
      await assert.rejects(setRetentionDays(app.idv.ctx.db, 'no-such-client', 5), {
        code: 'CLIENT_NOT_FOUND',
      });
      const old = await createAccount(app, retained);
      await captureEverything(app, old);
      const kept = await createAccount(app, keeper);
      await captureEverything(app, kept);
      app.clock.advance(20 * DAY);
      // Access tokens live an hour: a fresh one for the client 20 days on.
      const sameRetention = await createTestClient(app, ['https://shop.example'], 'Same retention');
      await setRetentionDays(app.idv.ctx.db, sameRetention.id, 30);
      const young = await createAccount(app, sameRetention);
      await captureEverything(app, young);
      // Expiry callbacks and their delivery jobs: finished work for the purge.
      await app.idv.runDueWork();
      const oldId = old.workflowExecution.id;
      assert.ok(blobCount(app.dataDir, oldId) > 0);

      app.clock.advance(11 * DAY);
      const first = await purgeAndApplyRetention(app.idv.ctx);
      assert.equal(first.wipedExecutions, 1);
      assert.equal(blobCount(app.dataDir, oldId), 0, 'images gone');
      assert.ok(blobCount(app.dataDir, young.workflowExecution.id) > 0, '11 days old: kept');
      assert.ok(blobCount(app.dataDir, kept.workflowExecution.id) > 0, 'client without retention: kept');
      const row = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .select(['wiped_out_at', 'user_reference', 'callback_url'])
        .where('id', '=', oldId)
        .executeTakeFirstOrThrow();
      assert.ok(row.wiped_out_at);
      assert.deepEqual([row.user_reference, row.callback_url], [null, null]);
      const audit = await app.idv.ctx.db.selectFrom('retention_audit').selectAll().execute();
      assert.deepEqual(
        audit.filter((a) => a.action === 'pii-wiped').map((a) => [a.client_id, a.execution_id]),
        [[retained.id, oldId]],
      );
      assert.ok(webhooks.calls.length === 2, 'the two expiry callbacks of day 20 were sent');
      // Work finished on day 20 is past the 7-day purge age on day 31; nothing of it is left.
      assert.ok(first.purgedJobs > 0, `purged jobs ${first.purgedJobs}`);
      assert.ok(first.purgedDeliveries > 0, `purged deliveries ${first.purgedDeliveries}`);
      const leftOld = await app.idv.ctx.db
        .selectFrom('jobs' as never)
        .select('id' as never)
        .where('status' as never, '=', 'done' as never)
        .execute();
      assert.equal(leftOld.length, 0);

      const again = await purgeAndApplyRetention(app.idv.ctx);
      assert.deepEqual(again, { wipedExecutions: 0, purgedJobs: 0, purgedDeliveries: 0 });

      await app.idv.ctx.queue.enqueue('probe', {});
      const metrics = await (await app.request('/metrics')).text();
      assert.match(metrics, /^idv_retention_wiped_executions_total 1$/m);
      assert.match(metrics, new RegExp(`^idv_purged_jobs_total ${first.purgedJobs}$`, 'm'));
      assert.match(
        metrics,
        new RegExp(`^idv_purged_webhook_deliveries_total ${first.purgedDeliveries}$`, 'm'),
      );
      assert.match(metrics, /^idv_jobs\{kind="probe",status="pending"\} 1$/m);
    });
  });
}
