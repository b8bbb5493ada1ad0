/**
 * The KYC webhook registry: create (the callback URL policy), list with delivery statistics, delete. A real local
 * receiver (loopback allowed, the development setting) gets each status event of the client's executions signed per
 * Standard Webhooks on both the registered endpoint and the execution's own callback URL, each with its own
 * webhook-id; another client's events do not reach it; a deleted endpoint gets nothing afterwards (its pending
 * messages included).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ManualClock } from '../../../src/server/clock.js';
import { statusBody } from '../../../src/server/executions/callbacks.js';
import { enqueueRegisteredWebhooks } from '../../../src/server/kyc/webhook-registry.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  createAccount,
  createTestClient,
  openTestApp,
  type TestApp,
  type TestClient,
} from '../../support/server.js';
import { verifiedAt } from '../../support/webhook-receiver.js';

/** An answer's JSON, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape
type Json = any;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/** A real HTTP receiver on 127.0.0.1 recording every request; answers 200. */
async function startReceiver(): Promise<{ base: string; requests: Received[]; close(): Promise<void> }> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const verifyAt = (clock: ManualClock, secret: string, request: Received): Json =>
  verifiedAt(clock, secret, request) as Json;

for (const target of testDatabases()) {
  describe(`KYC webhook registry (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    let other: TestClient;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;

    before(async () => {
      receiver = await startReceiver();
      app = await openTestApp(target, {
        config: { callbackPolicy: { allowLoopback: true, allowedNetworks: [] } },
      });
      client = await createTestClient(app);
      other = await createTestClient(app, ['https://shop.example'], 'Other shop');
    });
    after(async () => {
      await app.close();
      await receiver.close();
    });

    async function post(as: TestClient, path: string, body: unknown) {
      const response = await app.request(`/kyc/v2${path}`, {
        method: 'POST',
        headers: { ...as.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Json };
    }

    /** An execution of `as` that expires (token lifetime over): one TOKEN_EXPIRED status event. */
    async function expiringExecution(as: TestClient, callbackUrl?: string) {
      const { callbackUrl: _none, ...body } = accountBody({ tokenLifetime: '5m' });
      const created = await createAccount(app, as, { ...body, ...(callbackUrl ? { callbackUrl } : {}) });
      return created.workflowExecution.id;
    }

    async function expireAndDeliver() {
      app.clock.advance(6 * 60_000);
      await app.idv.runDueWork();
    }

    it('registers https endpoints and refuses URLs the callback policy refuses', async () => {
      const created = await post(client, '/webhook/create', {
        url: 'https://hooks.shop.example/kyc',
        description: 'CRM',
        events: ['PROCESSED'],
      });
      assert.equal(created.status, 201);
      assert.deepEqual(
        [created.body.url, created.body.description, created.body.events],
        ['https://hooks.shop.example/kyc', 'CRM', ['PROCESSED']],
      );
      assert.match(created.body.webhook_id, /^[0-9a-f-]{36}$/);
      assert.equal(created.body.created_at, app.clock.now().toISOString());
      const refused: Array<[string, number, string]> = [
        ['http://hooks.shop.example/kyc', 422, 'INSECURE_URL'],
        ['https://10.0.0.7/kyc', 422, 'CALLBACK_URL_FORBIDDEN'],
        ['https://user:pw@hooks.shop.example/kyc', 422, 'CALLBACK_URL_FORBIDDEN'],
        ['not a url', 422, 'CALLBACK_URL_FORBIDDEN'],
      ];
      for (const [url, status, code] of refused) {
        const answer = await post(client, '/webhook/create', { url });
        assert.deepEqual([answer.status, answer.body.error?.code], [status, code], url);
      }
      const badEvent = await post(client, '/webhook/create', {
        url: 'https://a.example/x',
        events: ['DONE'],
      });
      assert.equal(badEvent.status, 422);
      const unknown = await post(client, '/webhook/create', { url: 'https://a.example/x', secret: 's' });
      assert.deepEqual([unknown.status, unknown.body.error.code], [400, 'UNKNOWN_FIELD']);
      // Not for another client to see or delete.
      assert.deepEqual((await post(other, '/webhook/list', {})).body.items, []);
      const foreign = await post(other, '/webhook/delete', { webhook_id: created.body.webhook_id });
      assert.equal(foreign.status, 404);
      assert.deepEqual(
        (await post(client, '/webhook/delete', { webhook_id: created.body.webhook_id })).body,
        {
          webhook_id: created.body.webhook_id,
          deleted: true,
        },
      );
      assert.equal(
        (await post(client, '/webhook/delete', { webhook_id: created.body.webhook_id })).status,
        404,
      );
      assert.deepEqual((await post(client, '/webhook/list', {})).body.items, []);
    });

    it('delivers each status event, signed, to the registered endpoint and the callback URL; then stops after delete', async () => {
      const hook = await post(client, '/webhook/create', { url: `${receiver.base}/registered` });
      assert.equal(hook.status, 201);
      const executionId = await expiringExecution(client, `${receiver.base}/callback`);
      const foreignExecution = await expiringExecution(other, `${receiver.base}/other-callback`);
      // An execution without its own callback URL still reaches the registered endpoint.
      const silentExecution = await expiringExecution(client);
      receiver.requests.length = 0;
      await expireAndDeliver();

      const byPath = (path: string) => receiver.requests.filter((r) => r.path === path);
      const registered = byPath('/registered');
      const callbacks = byPath('/callback');
      assert.equal(callbacks.length, 1);
      assert.equal(byPath('/other-callback').length, 1);
      assert.deepEqual(
        registered.map((r) => verifyAt(app.clock, client.webhookSecret, r).workflowExecution.id).sort(),
        [executionId, silentExecution].sort(),
        'the client’s two events, not the other client’s',
      );
      const [sameEvent] = registered.filter((r) => r.rawBody.toString().includes(executionId));
      assert.ok(sameEvent);
      const payload = verifyAt(app.clock, client.webhookSecret, sameEvent);
      assert.equal(payload.workflowExecution.status, 'TOKEN_EXPIRED');
      assert.ok(!JSON.stringify(payload).includes(foreignExecution));
      // The same event: the same bytes, each message its own webhook-id, both signed with the client's secret.
      assert.equal(sameEvent.rawBody.toString(), callbacks[0]!.rawBody.toString());
      verifyAt(app.clock, client.webhookSecret, callbacks[0]!);
      assert.notEqual(sameEvent.headers['webhook-id'], callbacks[0]!.headers['webhook-id']);
      assert.throws(() => verifyAt(app.clock, other.webhookSecret, sameEvent));

      const listed = (await post(client, '/webhook/list', {})).body.items;
      assert.equal(listed.length, 1);
      assert.deepEqual(listed[0].stats, {
        delivered: 2,
        failed: 0,
        pending: 0,
        last_attempt_at: app.clock.now().toISOString(),
        last_status_code: 200,
      });

      // Deleted: a new event goes only to the callback URL, and a message still pending is never sent.
      const pendingRow = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .selectAll()
        .where('id', '=', executionId)
        .executeTakeFirstOrThrow();
      await enqueueRegisteredWebhooks(app.idv.ctx, {
        clientId: client.id,
        executionId,
        status: 'PROCESSED',
        payload: statusBody(app.idv.ctx, { ...pendingRow, status: 'PROCESSED' }),
      });
      assert.equal((await post(client, '/webhook/list', {})).body.items[0].stats.pending, 1);
      await post(client, '/webhook/delete', { webhook_id: hook.body.webhook_id });
      const laterExecution = await expiringExecution(client, `${receiver.base}/callback`);
      receiver.requests.length = 0;
      await expireAndDeliver();
      await app.idv.runDueWork();
      assert.equal(byPath('/registered').length, 0, 'nothing reaches a deleted endpoint');
      assert.deepEqual(
        byPath('/callback').map((r) => verifyAt(app.clock, client.webhookSecret, r).workflowExecution.id),
        [laterExecution],
      );
    });
  });
}
