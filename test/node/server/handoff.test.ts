/**
 * Cross-device handoff (single-use link → phone token for the same execution) and the server side of the three
 * embedding styles: the hosted page's headers and data, the versioned SDK URLs with CORS and cache headers.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HandoffResponse, SessionResponse } from '../../../src/shared/api/index.js';
import { HANDOFF_TTL_MS } from '../../../src/server/executions/handoff.js';
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

const SHOP = 'https://shop.example';

function staticRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'idv-embed-static-'));
  mkdirSync(join(root, 'dist', 'hosted'), { recursive: true });
  mkdirSync(join(root, 'dist', 'sdk', 'chunks'), { recursive: true });
  mkdirSync(join(root, 'dist', 'assets'), { recursive: true });
  writeFileSync(join(root, 'dist', 'hosted', 'hosted.js'), 'export {};');
  writeFileSync(join(root, 'dist', 'hosted', 'embed.js'), 'export function mountVerification() {}');
  writeFileSync(join(root, 'dist', 'sdk', 'idv-capture.js'), 'export {};');
  writeFileSync(join(root, 'dist', 'sdk', 'chunks', 'capture-step-AbCd1234.js'), 'export {};');
  writeFileSync(join(root, 'dist', 'assets', 'vision_wasm_internal.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '1.2.3' }));
  return root;
}

for (const target of testDatabases()) {
  describe(`cross-device handoff (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    before(async () => {
      app = await openTestApp(target);
      client = await createTestClient(app, [SHOP]);
    });
    after(() => app.close());

    const issue = async (token: string) => {
      const response = await app.request('/api/v1/session/handoff', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 201, await response.clone().text());
      return HandoffResponse.parse(await response.json());
    };
    const session = (token: string) =>
      app.request('/api/v1/session', { headers: { authorization: `Bearer ${token}` } });
    const tokenOf = (location: string | null) => {
      assert.ok(location, 'a redirect target');
      const url = new URL(location);
      assert.equal(url.pathname, '/web/v1/app');
      assert.equal(url.searchParams.get('handoff'), '1');
      const token = url.searchParams.get('authorizationToken');
      assert.match(token ?? '', /^idv_wt_/);
      return token as string;
    };

    it('issues a short single-use link; the phone gets its own token for the same execution', async () => {
      const created = await createAccount(app, client);
      const link = await issue(created.sdk.token);
      assert.match(link.url, /\/web\/v1\/handoff\/[\w-]{12}$/);
      assert.equal(Date.parse(link.expiresAt) - app.clock.now().getTime(), HANDOFF_TTL_MS);

      const first = await app.request(pathOf(link.url));
      assert.equal(first.status, 303);
      assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(first.headers.get('cache-control'), 'no-store');
      const phoneToken = tokenOf(first.headers.get('location'));
      assert.notEqual(phoneToken, created.sdk.token);

      const phone = SessionResponse.parse(await (await session(phoneToken)).json());
      assert.equal(phone.workflowExecution.id, created.workflowExecution.id);
      // The desktop's token keeps working next to the phone's.
      const desktop = await session(created.sdk.token);
      assert.equal(desktop.status, 200);
    });

    it('refuses the same link a second time with a clear page', async () => {
      const created = await createAccount(app, client);
      const link = await issue(created.sdk.token);
      assert.equal((await app.request(pathOf(link.url))).status, 303);
      const again = await app.request(pathOf(link.url));
      assert.equal(again.status, 410);
      assert.match(again.headers.get('content-type') ?? '', /text\/html/);
      const page = await again.text();
      assert.match(page, /already used/);
      assert.match(page, /data-error-code="HANDOFF_USED"/);
      assert.equal(again.headers.get('location'), null);
    });

    it('lets only one of two racing redemptions through', async () => {
      const created = await createAccount(app, client);
      const link = await issue(created.sdk.token);
      const answers = await Promise.all([app.request(pathOf(link.url)), app.request(pathOf(link.url))]);
      assert.deepEqual(answers.map((r) => r.status).sort(), [303, 410]);
    });

    it('refuses expired and unknown links', async () => {
      const created = await createAccount(app, client);
      const link = await issue(created.sdk.token);
      app.clock.advance(HANDOFF_TTL_MS + 1000);
      const expired = await app.request(pathOf(link.url));
      assert.equal(expired.status, 410);
      assert.match(await expired.text(), /HANDOFF_EXPIRED/);
      const unknown = await app.request('/web/v1/handoff/AAAAAAAAAAAA');
      assert.equal(unknown.status, 404);
      assert.match(await unknown.text(), /HANDOFF_UNKNOWN/);
    });

    it('never outlives the workflow token and is refused for finished executions', async () => {
      const created = await createAccount(app, client, accountBody({ tokenLifetime: '5m' }));
      const link = await issue(created.sdk.token);
      assert.equal(Date.parse(link.expiresAt) - app.clock.now().getTime(), 5 * 60 * 1000);

      const done = await createAccount(app, client);
      const pending = await issue(done.sdk.token);
      await captureEverything(app, done);
      const finalize = await app.request(
        pathOf(done.workflowExecution.credentials[0]?.api?.workflowExecution ?? ''),
        {
          method: 'PUT',
          headers: widgetAuth(done),
        },
      );
      assert.equal(finalize.status, 200);
      const late = await app.request(pathOf(pending.url));
      assert.equal(late.status, 409);
      const refused = await app.request('/api/v1/session/handoff', {
        method: 'POST',
        headers: widgetAuth(done),
      });
      assert.equal(refused.status, 409);
      assert.equal(
        ((await refused.json()) as { error: { code: string } }).error.code,
        'EXECUTION_NOT_ACTIVE',
      );
    });

    it('lets the desktop see the phone’s uploads and finalize through the session', async () => {
      const created = await createAccount(app, client);
      const link = await issue(created.sdk.token);
      const phoneToken = tokenOf((await app.request(pathOf(link.url))).headers.get('location'));
      // The phone does the capture with its own token …
      await captureEverything(app, { ...created, sdk: { token: phoneToken } });
      const executionUrl = created.workflowExecution.credentials[0]?.api?.workflowExecution ?? '';
      const finalize = await app.request(pathOf(executionUrl), {
        method: 'PUT',
        headers: { authorization: `Bearer ${phoneToken}` },
      });
      assert.equal(finalize.status, 200);
      // … and the desktop's poll sees it finished.
      const desktop = SessionResponse.parse(await (await session(created.sdk.token)).json());
      assert.equal(desktop.workflowExecution.status, 'ACQUIRED');
      assert.equal(desktop.parts.length, 3);
    });

    it('requires a workflow token and stops the phone token when the PII is deleted', async () => {
      const anonymous = await app.request('/api/v1/session/handoff', { method: 'POST' });
      assert.equal(anonymous.status, 401);
      const created = await createAccount(app, client);
      const link = await issue(created.sdk.token);
      const phoneToken = tokenOf((await app.request(pathOf(link.url))).headers.get('location'));
      const wipe = await app.request(
        `/api/v1/accounts/${created.account.id}/workflow-executions/${created.workflowExecution.id}`,
        { method: 'DELETE', headers: client.auth },
      );
      assert.ok(wipe.status < 300, `wipe answered ${wipe.status}`);
      assert.equal((await session(phoneToken)).status, 401);
    });
  });
}

const [sqlite] = testDatabases();

describe('hosted page and SDK serving', () => {
  let app: TestApp;
  let client: TestClient;
  const root = staticRoot();
  before(async () => {
    app = await openTestApp(sqlite, { config: { staticRoot: root } });
    client = await createTestClient(app, [SHOP, 'https://other.example']);
  });
  after(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('renders the hosted page with a strict CSP framed only by the client’s origins', async () => {
    const created = await createAccount(app, client);
    const response = await app.request(pathOf(created.web.href));
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /frame-ancestors https:\/\/shop\.example https:\/\/other\.example(;|$)/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /\*/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('permissions-policy') ?? '', /camera=\(self\)/);
    const page = await response.text();
    assert.match(
      page,
      /data-allowed-origins="\[&quot;https:\/\/shop\.example&quot;,&quot;https:\/\/other\.example&quot;\]"/,
    );
    assert.match(page, new RegExp(`data-workflow-execution-id="${created.workflowExecution.id}"`));
    assert.match(page, /data-error-url="https:\/\/shop\.example\/failed"/);
    assert.match(page, /<html lang="de" dir="ltr">/);
    assert.match(page, /src="\/sdk\/v1\.2\.3\/idv-capture\.js"/);
    assert.doesNotMatch(page, new RegExp(created.sdk.token), 'the token is not copied into the page');
  });

  it('keeps framing and redirect URLs after the token left the URL, and refuses framing for unknown tokens', async () => {
    const created = await createAccount(app, client);
    const first = await app.request(pathOf(created.web.href));
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.match(first.headers.get('set-cookie') ?? '', /HttpOnly; Secure; SameSite=None; Partitioned/i);
    assert.match(first.headers.get('set-cookie') ?? '', /Path=\/web\/v1\/app/);
    const reload = await app.request(
      `/web/v1/app?locale=de&workflowExecutionId=${created.workflowExecution.id}`,
      { headers: { cookie } },
    );
    assert.match(
      reload.headers.get('content-security-policy') ?? '',
      /frame-ancestors https:\/\/shop\.example/,
    );
    assert.match(await reload.text(), /data-success-url="https:\/\/shop\.example\/done"/);
    const unknown = await app.request('/web/v1/app?authorizationToken=idv_wt_nope&locale=en');
    assert.equal(unknown.status, 200);
    assert.match(unknown.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const odd = await app.request('/web/v1/app?authorizationToken=idv_wt_nope&locale=%22%3E%3Cscript%3E');
    assert.match(await odd.text(), /<html lang="en" dir="ltr">/);
    const arabic = await app.request(
      `/web/v1/app?locale=ar&workflowExecutionId=${created.workflowExecution.id}`,
      { headers: { cookie } },
    );
    assert.match(await arabic.text(), /<html lang="ar" dir="rtl">/);
    // Issue #18: the execution id alone (no token, no cookie) reveals nothing and frames nowhere.
    const probe = await app.request(`/web/v1/app?workflowExecutionId=${created.workflowExecution.id}`);
    const probed = await probe.text();
    assert.match(probe.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.doesNotMatch(probed, new RegExp(created.account.id));
    assert.doesNotMatch(probed, /shop\.example/);
    assert.doesNotMatch(probed, /data-workflow-execution-id/);
  });

  it('serves the SDK unversioned (short cache) and versioned (immutable), with CORS for allowed origins only', async () => {
    const entry = await app.request('/sdk/idv-capture.js', { headers: { origin: SHOP } });
    assert.equal(entry.status, 200);
    assert.equal(entry.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(entry.headers.get('access-control-allow-origin'), SHOP);
    assert.match(entry.headers.get('content-type') ?? '', /javascript/);
    const pinned = await app.request('/sdk/v1.2.3/idv-capture.js', { headers: { origin: SHOP } });
    assert.equal(pinned.status, 200);
    assert.equal(pinned.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(pinned.headers.get('access-control-allow-origin'), SHOP);
    const chunk = await app.request('/sdk/v1.2.3/chunks/capture-step-AbCd1234.js');
    assert.equal(chunk.status, 200);
    const wasm = await app.request('/sdk/v1.2.3/assets/vision_wasm_internal.wasm', {
      headers: { origin: SHOP },
    });
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal(wasm.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const wrongVersion = await app.request('/sdk/v9.9.9/idv-capture.js');
    assert.equal(wrongVersion.status, 404);
    const stranger = await app.request('/sdk/idv-capture.js', {
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
    const helper = await app.request('/sdk/embed.js', { headers: { origin: SHOP } });
    assert.equal(helper.status, 200);
    assert.equal(helper.headers.get('access-control-allow-origin'), SHOP);
    assert.match(await helper.text(), /mountVerification/);
  });

  it('refuses account creation with a success URL off the client’s origins', async () => {
    const response = await app.request('/api/v1/accounts', {
      method: 'POST',
      headers: { ...client.auth, 'content-type': 'application/json' },
      body: JSON.stringify(
        accountBody({ web: { successUrl: 'https://evil.example/done', errorUrl: `${SHOP}/failed` } }),
      ),
    });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'ORIGIN_NOT_ALLOWED');
  });
});
