/**
 * Callback SSRF (issue #18, item 2): every spelling of a loopback, private, link-local, CGNAT or metadata address is
 * refused at account creation; a host that resolves to one at delivery time is refused then (nothing is sent); the
 * connection goes to the address that passed the check.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { ManualClock } from '../../../src/server/clock.js';
import {
  addressRefusal,
  type QueueTables,
  checkCallbackUrl,
  resolveCallbackTarget,
  STRICT_CALLBACK_POLICY,
  WebhookOutbox,
} from '../../../src/server/queue/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  captureEverything,
  createAccount,
  createTestClient,
  openTestApp,
  pathOf,
  recordingFetch,
  type TestApp,
  type TestClient,
  widgetAuth,
} from '../../support/server.js';

const FORBIDDEN_CALLBACKS = [
  'http://127.0.0.1:8080/api/v1/accounts',
  'http://127.1:8080/x',
  'http://2130706433:8080/x',
  'http://0x7f000001:8080/x',
  'http://[::1]:8080/x',
  'https://127.0.0.1:22/x',
  'https://127.1/x',
  'https://2130706433/x',
  'https://0x7f000001/x',
  'https://[::1]/x',
  'https://[::ffff:127.0.0.1]/x',
  'https://localhost/x',
  'https://api.localhost/x',
  'https://169.254.169.254/latest/meta-data/',
  'https://metadata.google.internal/computeMetadata/v1/',
  'https://metadata/x',
  'https://10.0.0.1/x',
  'https://172.16.5.4/x',
  'https://192.168.1.1/x',
  'https://100.64.0.1/x',
  'https://100.100.100.200/x',
  'https://[fd00:ec2::254]/x',
  'https://[fe80::1]/x',
  'https://0.0.0.0/x',
  'https://user:secret@shop.example/x',
  'http://shop.example/x',
];

describe('callback target policy', () => {
  it('refuses every internal spelling and accepts public https', () => {
    for (const url of FORBIDDEN_CALLBACKS) {
      assert.throws(() => checkCallbackUrl(url, STRICT_CALLBACK_POLICY), url);
    }
    assert.equal(
      checkCallbackUrl('https://shop.example/cb', STRICT_CALLBACK_POLICY).hostname,
      'shop.example',
    );
    assert.equal(
      checkCallbackUrl('https://93.184.215.14/cb', STRICT_CALLBACK_POLICY).hostname,
      '93.184.215.14',
    );
  });

  it('opens loopback only with the development setting, and private networks only by CIDR', () => {
    const dev = { allowLoopback: true, allowedNetworks: [] };
    assert.equal(checkCallbackUrl('http://127.0.0.1:9/cb', dev).port, '9');
    assert.throws(
      () => checkCallbackUrl('http://10.0.0.1/cb', dev),
      'dev opens loopback, not private networks',
    );
    assert.throws(() => checkCallbackUrl('https://169.254.169.254/', dev));
    const operator = { allowLoopback: false, allowedNetworks: ['10.20.0.0/16'] };
    assert.equal(addressRefusal('10.20.3.4', operator), undefined);
    assert.equal(addressRefusal('10.21.3.4', operator), 'private');
    assert.equal(addressRefusal('127.0.0.1', operator), 'loopback');
  });

  it('judges the resolved addresses: one internal address is enough to refuse', async () => {
    const resolveTo =
      (...addresses: string[]) =>
      async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }) as const);
    const ok = await resolveCallbackTarget(
      'https://hooks.shop.example/cb',
      STRICT_CALLBACK_POLICY,
      resolveTo('93.184.215.14'),
    );
    assert.deepEqual(ok.pinned, { address: '93.184.215.14', family: 4 });
    for (const inside of [
      '127.0.0.1',
      '10.1.2.3',
      '169.254.169.254',
      '::1',
      '::ffff:192.168.0.1',
      'fc00::5',
    ]) {
      await assert.rejects(
        resolveCallbackTarget(
          'https://hooks.shop.example/cb',
          STRICT_CALLBACK_POLICY,
          resolveTo('93.184.215.14', inside),
        ),
        /FORBIDDEN|resolves/,
        inside,
      );
    }
  });
});

for (const target of testDatabases()) {
  describe(`callbacks at delivery time (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    const webhooks = recordingFetch();
    before(async () => {
      app = await openTestApp(target, { fetch: webhooks.fetch });
      client = await createTestClient(app);
    });
    after(() => app.close());

    it('refuses each spelling at account creation with its code', async () => {
      for (const callbackUrl of FORBIDDEN_CALLBACKS) {
        const response = await app.request('/api/v1/accounts', {
          method: 'POST',
          headers: { ...client.auth, 'content-type': 'application/json' },
          body: JSON.stringify(accountBody({ callbackUrl })),
        });
        assert.equal(response.status, 422, callbackUrl);
        const body = (await response.json()) as { error: { code: string; issues: Array<{ path: string }> } };
        assert.ok(['CALLBACK_URL_FORBIDDEN', 'INSECURE_URL'].includes(body.error.code), callbackUrl);
        assert.equal(body.error.issues[0]?.path, 'callbackUrl');
      }
    });

    it('sends nothing when the callback host resolves inside the network (DNS rebinding)', async () => {
      const db = app.idv.ctx.db as unknown as Kysely<QueueTables>;
      const outbox = new WebhookOutbox({
        db,
        clock: app.clock,
        secretFor: async () => 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        fetch: webhooks.fetch,
        resolveHost: async () => [{ address: '169.254.169.254', family: 4 }],
      });
      const before = webhooks.calls.length;
      const id = await outbox.enqueue({
        clientId: client.id,
        url: 'https://hooks.shop.example/cb',
        payload: {},
      });
      await outbox.deliverDue();
      assert.equal(webhooks.calls.length, before, 'no request left the server');
      const row = await db
        .selectFrom('webhook_deliveries')
        .select(['status', 'last_error'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'failed', last_error: 'FORBIDDEN_ADDRESS' });
    });

    it('delivers a processed execution’s callback to a public receiver', async () => {
      const created = await createAccount(app, client);
      await captureEverything(app, created);
      const finalize = await app.request(
        pathOf(created.workflowExecution.credentials[0].api!.workflowExecution),
        {
          method: 'PUT',
          headers: widgetAuth(created),
        },
      );
      assert.equal(finalize.status, 200);
      await app.idv.runDueWork();
      assert.ok(webhooks.calls.some((call) => call.url === 'https://shop.example/idv/callback'));
    });
  });
}

describe('pinned delivery', () => {
  it('connects to the address that passed the check and keeps the name for the Host header', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const receiver = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const target = testDatabases()[0];
    const handle = await target.open();
    try {
      const { queueMigrations } = await import('../../../src/server/queue/index.js');
      const { migrateTestDatabase } = await import('../../support/databases.js');
      await migrateTestDatabase(handle.db, queueMigrations);
      const outbox = new WebhookOutbox({
        db: handle.db,
        clock: new ManualClock(),
        secretFor: async () => 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        callbackPolicy: { allowLoopback: true, allowedNetworks: [] },
        // The system resolver would never be asked: `*.localhost` is loopback by name and pinned to 127.0.0.1.
        resolveHost: async () => {
          throw new Error('no lookup expected');
        },
      });
      await outbox.enqueue({ clientId: 'c', url: `http://hooks.localhost:${port}/cb`, payload: { a: 1 } });
      assert.equal(await outbox.deliverDue(), 1);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.host, `hooks.localhost:${port}`);
      assert.ok(seen[0]?.['webhook-signature']);
    } finally {
      receiver.close();
      await handle.close();
    }
  });
});
