/**
 * Token endpoint and credential lifecycle (issue #18, item 4): rate limits per client id and per address held in the
 * database (two apps on one database share them), equal work for unknown and known ids, the verification cache, and
 * disable / rotate-secret / rotate-webhook-secret / list through the admin API, each revoking access tokens at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createApp } from '../../../src/server/app.js';
import { TOKEN_RATE_LIMITS } from '../../../src/server/auth/access-tokens.js';
import { createClient } from '../../../src/server/auth/clients.js';
import { SecretVerifier } from '../../../src/server/auth/secret-verifier.js';
import { hashClientSecret } from '../../../src/server/auth/secrets.js';
import { loadConfig } from '../../../src/server/config.js';
import { AdminClientList, AdminClientSecrets } from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import { basicAuth, openTestApp, PUBLIC_URL, type TestApp } from '../../support/server.js';

const ADMIN = 'admin-token-for-tests';
const form = { 'content-type': 'application/x-www-form-urlencoded' };

function tokenRequest(
  app: { request(path: string, init?: RequestInit): Promise<Response> },
  id: string,
  secret: string,
) {
  return app.request('/oauth2/token', {
    method: 'POST',
    headers: { ...form, authorization: basicAuth(id, secret) },
    body: 'grant_type=client_credentials',
  });
}

describe('secret verifier', () => {
  it('costs the same scrypt for an unknown id as for a wrong secret, and caches a success', async () => {
    const verifier = new SecretVerifier();
    try {
      const stored = await hashClientSecret('right');
      const time = async (work: () => Promise<boolean>) => {
        const started = process.hrtime.bigint();
        const result = await work();
        return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      };
      const unknown = await time(() => verifier.verify('nobody', 'guess', undefined));
      const wrong = await time(() => verifier.verify('c1', 'guess', stored));
      assert.equal(unknown.result, false);
      assert.equal(wrong.result, false);
      // Both ran one scrypt (tens of ms); no timing assertion, only that neither short-cut to ~0.
      assert.ok(unknown.ms > 5 && wrong.ms > 5, `${unknown.ms} / ${wrong.ms}`);
      assert.equal(await verifier.verify('c1', 'right', stored), true);
      assert.equal(await verifier.verifyCached('c1', 'right', stored), true, 'remembered');
      assert.equal(
        await verifier.verifyCached('c1', 'right', await hashClientSecret('right')),
        false,
        'rotated',
      );
      assert.equal(await verifier.verifyCached('c1', 'wrong', stored), false);
    } finally {
      await verifier.close();
    }
  });
});

for (const target of testDatabases()) {
  describe(`token endpoint and credential lifecycle (${target.name})`, () => {
    let app: TestApp;
    before(async () => {
      app = await openTestApp(target, { config: { adminToken: ADMIN } });
    });
    after(() => app.close());

    const admin = (path: string, init: RequestInit = {}) =>
      app.request(path, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...init.headers },
      });

    it('refuses wrong secrets per client id beyond the limit with 429, across two nodes on one database', async () => {
      const secret = 'idv_cs_known';
      const known = await createClient(app.idv.ctx.db, {
        name: 'Known',
        allowedOrigins: [],
        secret,
        now: app.clock.now(),
      });
      // A second node on the same database: the counter is shared.
      const second = await createApp({
        config: { ...loadConfig({ IDV_DATA_DIR: app.dataDir, IDV_PUBLIC_URL: PUBLIC_URL }) },
        clock: app.clock,
        db: app.idv.ctx.db,
        logger: pino({ level: 'silent' }),
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < TOKEN_RATE_LIMITS.perClient.limit + 2; i += 1) {
          const node =
            i % 2 === 0
              ? app
              : { request: (p: string, init?: RequestInit) => Promise.resolve(second.app.request(p, init)) };
          statuses.push((await tokenRequest(node, known.id, `wrong-${i}`)).status);
        }
        // The per-address bucket (in-process requests share one address) is as large, so the id limit trips first
        // only if counted across both nodes.
        assert.deepEqual(
          statuses.slice(0, TOKEN_RATE_LIMITS.perClient.limit),
          Array(TOKEN_RATE_LIMITS.perClient.limit).fill(401),
        );
        const limited = await tokenRequest(app, known.id, secret);
        assert.equal(limited.status, 429, 'even the right secret waits: the id is limited');
        assert.equal(((await limited.json()) as { error: { code: string } }).error.code, 'RATE_LIMITED');
        assert.ok(Number(limited.headers.get('retry-after')) >= 1);
        app.clock.advance(TOKEN_RATE_LIMITS.perClient.windowMs);
        assert.equal((await tokenRequest(app, known.id, secret)).status, 200, 'next window');
      } finally {
        await second.close();
      }
    });

    it('lists, disables and rotates through the admin API, revoking access tokens at once', async () => {
      app.clock.advance(TOKEN_RATE_LIMITS.perAddress.windowMs);
      assert.equal((await app.request('/admin/v1/clients')).status, 401);
      assert.equal(
        (await admin('/admin/v1/clients', { headers: { authorization: 'Bearer nope' } })).status,
        401,
      );
      const created = AdminClientSecrets.parse(
        await (
          await admin('/admin/v1/clients', {
            method: 'POST',
            body: JSON.stringify({ name: 'Rotating shop', allowedOrigins: ['https://rot.example'] }),
          })
        ).json(),
      );
      const tokenOf = async (secret: string) => {
        const response = await tokenRequest(app, created.clientId, secret);
        return response.status === 200
          ? ((await response.json()) as { access_token: string }).access_token
          : undefined;
      };
      const useToken = (token: string) =>
        app.request(`/api/v1/accounts/00000000-0000-0000-0000-000000000000/workflow-executions`, {
          headers: { authorization: `Bearer ${token}` },
        });
      const first = await tokenOf(created.clientSecret as string);
      assert.ok(first);
      assert.equal((await useToken(first)).status, 404, 'a valid token: the account is just unknown');

      const rotated = AdminClientSecrets.parse(
        await (await admin(`/admin/v1/clients/${created.clientId}/rotate-secret`, { method: 'POST' })).json(),
      );
      assert.equal((await useToken(first)).status, 401, 'the old access token died with the old secret');
      assert.equal(
        await tokenOf(created.clientSecret as string),
        undefined,
        'the old secret no longer works',
      );
      const second = await tokenOf(rotated.clientSecret as string);
      assert.ok(second);

      const webhook = AdminClientSecrets.parse(
        await (
          await admin(`/admin/v1/clients/${created.clientId}/rotate-webhook-secret`, { method: 'POST' })
        ).json(),
      );
      assert.match(webhook.webhookSecret ?? '', /^whsec_/);
      const stored = await app.idv.ctx.db
        .selectFrom('clients')
        .select(['webhook_secret'])
        .where('id', '=', created.clientId)
        .executeTakeFirstOrThrow();
      assert.equal(stored.webhook_secret, webhook.webhookSecret);
      assert.equal((await useToken(second)).status, 404, 'rotating the webhook secret keeps access');

      const disabled = await admin(`/admin/v1/clients/${created.clientId}/disable`, { method: 'POST' });
      assert.equal(disabled.status, 200);
      assert.ok(((await disabled.json()) as { disabledAt: string | null }).disabledAt);
      assert.equal((await useToken(second)).status, 401, 'revoked at once');
      assert.equal(await tokenOf(rotated.clientSecret as string), undefined, 'no new token');

      const list = AdminClientList.parse(await (await admin('/admin/v1/clients')).json());
      const listed = list.clients.find((client) => client.id === created.clientId);
      assert.ok(listed?.disabledAt);
      assert.doesNotMatch(JSON.stringify(list), /idv_cs_|whsec_/, 'no secrets in the list');
      assert.equal((await admin('/admin/v1/clients/nobody/disable', { method: 'POST' })).status, 404);
    });
  });
}
