/** Retrieval list paging, details, and PII deletion per execution and per account. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { QueueTables } from '../../../src/server/queue/index.js';
import { ExecutionDetails, ExecutionList } from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  captureEverything,
  createAccount,
  createTestClient,
  openTestApp,
  pathOf,
  type TestApp,
  type TestClient,
  widgetAuth,
} from '../../support/server.js';

function fileCount(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())
      .length;
  } catch {
    return 0;
  }
}

for (const target of testDatabases()) {
  describe(`retrieval and deletion (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    before(async () => {
      app = await openTestApp(target);
      client = await createTestClient(app);
    });
    after(() => app.close());

    async function processedExecution() {
      const created = await createAccount(app, client);
      await captureEverything(app, created);
      await app.request('/api/v1/session/capture-metadata', {
        method: 'POST',
        headers: { ...widgetAuth(created), 'content-type': 'application/json' },
        body: JSON.stringify({ userAgent: 'test-agent' }),
      });
      const executionPath = pathOf(created.workflowExecution.credentials[0].api!.workflowExecution);
      assert.equal(
        (await app.request(executionPath, { method: 'PUT', headers: widgetAuth(created) })).status,
        200,
      );
      await app.idv.runDueWork();
      return { created, executionPath };
    }

    it('pages the executions of an account, newest first', async () => {
      const first = await createAccount(app, client);
      const ids = [first.workflowExecution.id];
      for (let i = 0; i < 2; i += 1) {
        app.clock.advance(1000);
        const response = await app.request(`/api/v1/accounts/${first.account.id}`, {
          method: 'PUT',
          headers: { ...client.auth, 'content-type': 'application/json' },
          body: JSON.stringify(accountBody()),
        });
        ids.push(((await response.json()) as { workflowExecution: { id: string } }).workflowExecution.id);
      }
      const list = (query: string) =>
        app.request(`/api/v1/accounts/${first.account.id}/workflow-executions${query}`, {
          headers: client.auth,
        });
      const page1 = ExecutionList.parse(await (await list('?page=1&size=2')).json());
      assert.equal(page1.totalCount, 3);
      assert.deepEqual(
        page1.workflowExecutions.map((e) => e.id),
        [ids[2], ids[1]],
      );
      const page2 = ExecutionList.parse(await (await list('?page=2&size=2')).json());
      assert.deepEqual(
        page2.workflowExecutions.map((e) => e.id),
        [ids[0]],
      );
      const page3 = ExecutionList.parse(await (await list('?page=3&size=2')).json());
      assert.deepEqual(page3.workflowExecutions, []);
      assert.equal(ExecutionList.parse(await (await list('')).json()).size, 20);
      for (const bad of ['?size=0', '?size=101', '?page=0', '?size=abc']) {
        assert.equal((await list(bad)).status, 422, bad);
      }
      assert.equal((await list('?sort=asc')).status, 400);
    });

    it('returns details, status and part images of a processed execution', async () => {
      const { created, executionPath } = await processedExecution();
      const details = ExecutionDetails.parse(
        await (await app.request(executionPath, { headers: client.auth })).json(),
      );
      assert.equal(details.workflow.status, 'PROCESSED');
      assert.equal(details.workflow.userReference, 'user-42');
      assert.equal(details.workflow.customerInternalReference, 'order-4711');
      assert.equal(details.account.id, created.account.id);
      assert.deepEqual(details.document, { type: 'ID_CARD', country: 'DEU' });
      assert.deepEqual(
        details.credentials.map((c) => [c.category, c.parts.map((p) => p.classifier).sort()]),
        [
          ['ID', ['BACK', 'FRONT']],
          ['SELFIE', ['FACE']],
          ['FACEMAP', []],
        ],
      );
      assert.ok(details.decision);
      // The decision names the bytes it was made on; they are the parts retrieval lists.
      assert.deepEqual(
        details.decision.parts?.map((p) => p.sha256).sort(),
        details.credentials.flatMap((c) => c.parts.map((p) => p.sha256)).sort(),
      );
      assert.equal(details.captureClient?.userAgent, 'test-agent');
      assert.equal(details.wipedOutAt, null);
      const part = details.credentials[1].parts[0];
      const image = await app.request(pathOf(part.href), { headers: client.auth });
      assert.equal(image.status, 200);
      assert.equal(image.headers.get('content-type'), part.mime);
    });

    it('deletes the PII of an execution and keeps the decision', async () => {
      const { created, executionPath } = await processedExecution();
      const before = ExecutionDetails.parse(
        await (await app.request(executionPath, { headers: client.auth })).json(),
      );
      const blobDir = join(app.dataDir, 'blobs', 'executions', created.workflowExecution.id);
      assert.equal(fileCount(blobDir), 3);

      // The callback stored for the customer carries its userReference until the PII goes.
      const callbackBodies = async () =>
        (
          await (app.idv.ctx.db as unknown as Kysely<QueueTables>)
            .selectFrom('webhook_deliveries')
            .select('body')
            .where('execution_id', '=', created.workflowExecution.id)
            .execute()
        ).map((row) => JSON.parse(row.body) as Record<string, unknown>);
      const stored = await callbackBodies();
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.userReference, 'user-42');

      app.clock.advance(60_000);
      const deleted = await app.request(executionPath, { method: 'DELETE', headers: client.auth });
      assert.equal(deleted.status, 204);
      const redacted = await callbackBodies();
      assert.equal(redacted.length, 1);
      assert.equal(redacted[0]!.userReference, undefined);
      assert.deepEqual(
        (redacted[0]!.workflowExecution as { id: string }).id,
        created.workflowExecution.id,
        'ids and status stay',
      );
      const after = ExecutionDetails.parse(
        await (await app.request(executionPath, { headers: client.auth })).json(),
      );
      assert.equal(after.wipedOutAt, app.clock.now().toISOString());
      assert.equal(after.workflow.userReference, null);
      assert.equal(after.workflow.customerInternalReference, null);
      assert.equal(after.captureClient, null);
      assert.deepEqual(after.decision, before.decision);
      assert.equal(after.workflow.status, 'WIPED_OUT', 'a wiped execution says so');
      const status = await app.request(`${executionPath}/status`, { headers: client.auth });
      assert.equal(
        ((await status.json()) as { workflowExecution: { status: string } }).workflowExecution.status,
        'WIPED_OUT',
      );
      assert.ok(after.credentials.every((c) => c.parts.length === 0));
      assert.ok(
        Object.values(after.capabilities)
          .flat()
          .every((result) => result.data === undefined),
      );
      assert.equal(fileCount(blobDir), 0);
      const image = await app.request(pathOf(before.credentials[0].parts[0].href), { headers: client.auth });
      assert.equal(image.status, 404);
      // The workflow token died with the data.
      assert.equal((await app.request('/api/v1/session', { headers: widgetAuth(created) })).status, 401);
    });

    it('deletes the PII of every execution of an account', async () => {
      const { created, executionPath } = await processedExecution();
      const second = await app.request(`/api/v1/accounts/${created.account.id}`, {
        method: 'PUT',
        headers: { ...client.auth, 'content-type': 'application/json' },
        body: JSON.stringify(accountBody()),
      });
      const secondId = ((await second.json()) as { workflowExecution: { id: string } }).workflowExecution.id;
      const deleted = await app.request(`/api/v1/accounts/${created.account.id}`, {
        method: 'DELETE',
        headers: client.auth,
      });
      assert.equal(deleted.status, 204);
      for (const path of [
        executionPath,
        `/api/v1/accounts/${created.account.id}/workflow-executions/${secondId}`,
      ]) {
        const details = ExecutionDetails.parse(
          await (await app.request(path, { headers: client.auth })).json(),
        );
        assert.ok(details.wipedOutAt, path);
        assert.equal(details.workflow.userReference, null);
      }
      assert.equal(fileCount(join(app.dataDir, 'blobs', 'executions', created.workflowExecution.id)), 0);
      // A wiped account takes no new executions.
      const again = await app.request(`/api/v1/accounts/${created.account.id}`, {
        method: 'PUT',
        headers: { ...client.auth, 'content-type': 'application/json' },
        body: JSON.stringify(accountBody()),
      });
      assert.equal(again.status, 404);
    });
  });
}
