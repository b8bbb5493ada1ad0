/** Token lifetime, 15-minute sliding inactivity, the expiry sweep and access-token expiry, on a ManualClock. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ExecutionStatusResponse } from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  createAccount,
  createTestClient,
  openTestApp,
  pathOf,
  recordingFetch,
  type TestApp,
  widgetAuth,
} from '../../support/server.js';

const MINUTE = 60_000;
type ErrorBody = { error: { code: string } };

for (const target of testDatabases()) {
  describe(`expiry (${target.name})`, () => {
    let app: TestApp | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });

    async function fixture(tokenLifetime = '30m') {
      const webhooks = recordingFetch();
      app = await openTestApp(target, { fetch: webhooks.fetch });
      const client = await createTestClient(app);
      const created = await createAccount(app, client, accountBody({ tokenLifetime }));
      const testApp = app;
      const status = async () => {
        const response = await testApp.request(
          `${pathOf(created.workflowExecution.credentials[0].api!.workflowExecution)}/status`,
          { headers: client.auth },
        );
        return ExecutionStatusResponse.parse(await response.json()).workflowExecution.status;
      };
      const readSession = () => testApp.request('/api/v1/session', { headers: widgetAuth(created) });
      const consent = () =>
        testApp.request('/api/v1/session/consent', {
          method: 'POST',
          headers: { ...widgetAuth(created), 'content-type': 'application/json' },
          body: JSON.stringify({ accepted: true }),
        });
      return { app: testApp, client, created, status, readSession, consent, webhooks };
    }

    it('ends the execution as TOKEN_EXPIRED when the token lifetime is over, with a callback', async () => {
      const t = await fixture('5m');
      assert.equal((await t.readSession()).status, 200);
      t.app.clock.advance(5 * MINUTE - 1000);
      assert.equal((await t.readSession()).status, 200);
      t.app.clock.advance(1000);
      const expired = await t.readSession();
      assert.equal(expired.status, 401);
      assert.equal(((await expired.json()) as ErrorBody).error.code, 'TOKEN_EXPIRED');
      assert.equal(await t.status(), 'TOKEN_EXPIRED');
      // Every later widget call says the same.
      const later = await t.consent();
      assert.equal(((await later.json()) as ErrorBody).error.code, 'TOKEN_EXPIRED');

      await t.app.idv.runDueWork();
      assert.equal(t.webhooks.calls.length, 1);
      const payload = JSON.parse(t.webhooks.calls[0].body) as {
        workflowExecution: { id: string; status: string };
        account: { id: string };
      };
      assert.equal(payload.workflowExecution.id, t.created.workflowExecution.id);
      assert.equal(payload.workflowExecution.status, 'TOKEN_EXPIRED');
      assert.equal(payload.account.id, t.created.account.id);
    });

    it('expires the session after 15 minutes without widget calls once capture started', async () => {
      const t = await fixture('2h');
      assert.equal((await t.readSession()).status, 200);
      // Reading the session alone does not start the inactivity clock. (Total time stays under the 1 h
      // access-token lifetime the status checks need.)
      t.app.clock.advance(16 * MINUTE);
      assert.equal((await t.readSession()).status, 200);
      assert.equal((await t.consent()).status, 200);
      // Each call slides the deadline.
      t.app.clock.advance(14 * MINUTE);
      assert.equal((await t.consent()).status, 200);
      t.app.clock.advance(14 * MINUTE);
      assert.equal((await t.readSession()).status, 200);
      t.app.clock.advance(15 * MINUTE - 1);
      assert.equal(await t.status(), 'INITIATED');
      t.app.clock.advance(1);
      const idle = await t.readSession();
      assert.equal(idle.status, 401);
      assert.equal(((await idle.json()) as ErrorBody).error.code, 'SESSION_EXPIRED');
      assert.equal(await t.status(), 'SESSION_EXPIRED');
      await t.app.idv.runDueWork();
      assert.equal(
        (JSON.parse(t.webhooks.calls[0].body) as { workflowExecution: { status: string } }).workflowExecution
          .status,
        'SESSION_EXPIRED',
      );
    });

    it('sweeps expired executions without any widget call', async () => {
      const t = await fixture('30m');
      assert.equal((await t.consent()).status, 200);
      t.app.clock.advance(10 * MINUTE);
      assert.equal((await t.app.idv.runDueWork()).expired, 0);
      assert.equal(await t.status(), 'INITIATED');
      t.app.clock.advance(6 * MINUTE);
      assert.equal((await t.app.idv.runDueWork()).expired, 1);
      assert.equal(await t.status(), 'SESSION_EXPIRED');
      assert.equal(t.webhooks.calls.length, 1);
      // A second sweep finds nothing and sends nothing more.
      assert.equal((await t.app.idv.runDueWork()).expired, 0);
      assert.equal(t.webhooks.calls.length, 1);
    });

    it('expires an untouched execution by token lifetime in the sweep', async () => {
      const t = await fixture('5m');
      t.app.clock.advance(6 * MINUTE);
      assert.equal((await t.app.idv.runDueWork()).expired, 1);
      assert.equal(await t.status(), 'TOKEN_EXPIRED');
    });

    it('does not expire a finalized execution', async () => {
      const t = await fixture('5m');
      const finalized = await t.app.idv.ctx.db
        .updateTable('workflow_executions')
        .set({ status: 'ACQUIRED' })
        .where('id', '=', t.created.workflowExecution.id)
        .executeTakeFirst();
      assert.equal(Number(finalized.numUpdatedRows), 1);
      t.app.clock.advance(10 * MINUTE);
      assert.equal((await t.app.idv.runDueWork()).expired, 0);
      assert.equal(await t.status(), 'ACQUIRED');
    });

    it('re-enqueues processing for an execution finalized without a job', async () => {
      const t = await fixture();
      const acquiredAt = t.app.clock.now().toISOString();
      // What a crash between finalize's status update and its enqueue leaves behind.
      await t.app.idv.ctx.db
        .updateTable('workflow_executions')
        .set({ status: 'ACQUIRED', acquired_at: acquiredAt, consent_given: 1 })
        .where('id', '=', t.created.workflowExecution.id)
        .execute();
      await t.app.idv.runDueWork();
      assert.equal(await t.status(), 'ACQUIRED', 'too early to call it stranded');
      t.app.clock.advance(2 * MINUTE);
      await t.app.idv.runDueWork();
      assert.equal(await t.status(), 'PROCESSED');
    });

    it('expires OAuth access tokens after one hour', async () => {
      const t = await fixture();
      t.app.clock.advance(59 * MINUTE);
      const fresh = await t.app.request(`/api/v1/accounts/${t.created.account.id}/workflow-executions`, {
        headers: t.client.auth,
      });
      assert.equal(fresh.status, 200);
      t.app.clock.advance(MINUTE);
      const stale = await t.app.request(`/api/v1/accounts/${t.created.account.id}/workflow-executions`, {
        headers: t.client.auth,
      });
      assert.equal(stale.status, 401);
      assert.equal(((await stale.json()) as ErrorBody).error.code, 'TOKEN_EXPIRED');
    });
  });
}
