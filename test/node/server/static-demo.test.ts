/** Static serving (demo, SDK, assets, hosted page) and the `--demo` verification endpoint. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SessionResponse } from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import { openTestApp, type TestApp } from '../../support/server.js';

// The demo redirects back to this server's own page, so it must be a URL http is allowed for.
const PUBLIC_URL = 'http://localhost:8080';

const [sqlite] = testDatabases();

describe('static files and demo endpoint', () => {
  let app: TestApp;
  const root = mkdtempSync(join(tmpdir(), 'idv-static-'));
  before(async () => {
    mkdirSync(join(root, 'demo'), { recursive: true });
    mkdirSync(join(root, 'dist', 'assets', 'models'), { recursive: true });
    mkdirSync(join(root, 'dist', 'sdk'), { recursive: true });
    writeFileSync(join(root, 'demo', 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(root, 'dist', 'assets', 'vision_wasm_internal.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(join(root, 'dist', 'assets', 'models', 'face.task'), Buffer.from('task'));
    writeFileSync(join(root, 'dist', 'sdk', 'idv-capture.js'), 'export {};');
    writeFileSync(join(root, 'package.json'), JSON.stringify({ version: '9.8.7' }));
    app = await openTestApp(sqlite, { demo: true, config: { staticRoot: root, publicUrl: PUBLIC_URL } });
  });
  after(async () => {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('redirects / to the demo page and serves it', async () => {
    const home = await app.request('/');
    assert.equal(home.status, 302);
    assert.equal(home.headers.get('location'), '/demo/');
    const page = await app.request('/demo/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<title>demo<\/title>/);
  });

  it('serves SDK assets with the right types and long cache headers', async () => {
    const wasm = await app.request('/sdk/assets/vision_wasm_internal.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.match(wasm.headers.get('cache-control') ?? '', /max-age=31536000/);
    const task = await app.request('/sdk/assets/models/face.task');
    assert.equal(task.headers.get('content-type'), 'application/octet-stream');
    const sdk = await app.request('/sdk/idv-capture.js');
    assert.equal(sdk.status, 200);
    assert.match(sdk.headers.get('content-type') ?? '', /javascript/);
  });

  it('answers missing files and path tricks with the JSON 404', async () => {
    for (const path of [
      '/sdk/assets/missing.wasm',
      '/demo/nope.html',
      '/sdk/assets/../../package.json',
      '/web/v1/app',
    ]) {
      const response = await app.request(path);
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
    }
  });

  it('serves the hosted page once built, without leaking the token through Referer', async () => {
    mkdirSync(join(root, 'dist', 'hosted'), { recursive: true });
    writeFileSync(join(root, 'dist', 'hosted', 'index.html'), '<!doctype html><title>hosted</title>');
    const page = await app.request('/web/v1/app?authorizationToken=idv_wt_x&locale=en');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('cache-control'), 'no-store');
  });

  it('creates a demo verification the demo page can run', async () => {
    const demoClient = await app.idv.seedDemoClient();
    assert.equal(demoClient.id, 'demo-client');
    // Seeding again keeps the same secret (it lives in the data dir).
    assert.equal((await app.idv.seedDemoClient()).secret, demoClient.secret);
    const response = await app.request('/demo/api/verifications', { method: 'POST' });
    assert.equal(response.status, 201);
    const created = (await response.json()) as {
      token: string;
      webHref: string;
      accountId: string;
      workflowExecutionId: string;
    };
    assert.match(created.token, /^idv_wt_/);
    // The hosted page carries its own token (issue #15), which opens the same session.
    const webToken = new URL(created.webHref).searchParams.get('authorizationToken') ?? '';
    assert.notEqual(webToken, created.token);
    assert.equal(created.webHref, `${PUBLIC_URL}/web/v1/app?authorizationToken=${webToken}&locale=en`);
    const viaWeb = await app.request('/api/v1/session', { headers: { authorization: `Bearer ${webToken}` } });
    assert.equal(viaWeb.status, 200);
    const session = await app.request('/api/v1/session', {
      headers: { authorization: `Bearer ${created.token}` },
    });
    const view = SessionResponse.parse(await session.json());
    assert.equal(view.workflowExecution.id, created.workflowExecutionId);
    assert.equal(view.account.id, created.accountId);
    assert.equal(view.web.successUrl, `${PUBLIC_URL}/demo/?result=success`);
    assert.deepEqual(
      view.credentials.map((c) => c.category),
      ['ID', 'SELFIE', 'FACEMAP'],
    );
  });

  it('starts 10013 with the chosen liveness mode when the demo asks for liveness', async () => {
    await app.idv.seedDemoClient();
    const start = (body: unknown) =>
      app.request('/demo/api/verifications', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const [choice, key, status] of [
      ['none', 10011, 'REQUIRED'], // 10011 has passive liveness too (issue #14)
      ['passive', 10013, 'REQUIRED'],
      ['passive_active', 10013, 'REQUIRED'],
    ] as const) {
      const response = await start({ liveness: choice });
      assert.equal(response.status, 201, choice);
      const { token } = (await response.json()) as { token: string };
      const session = await app.request('/api/v1/session', { headers: { authorization: `Bearer ${token}` } });
      const view = SessionResponse.parse(await session.json());
      assert.equal(view.workflowExecution.definitionKey, key, choice);
      assert.equal(view.liveness.status, status, choice);
      if (choice !== 'none') assert.equal(view.liveness.mode, choice);
    }
    const bad = await start({ liveness: 'blink-only' });
    assert.equal(bad.status, 422);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
  });

  it('reports the package version', async () => {
    const version = (await (await app.request('/version')).json()) as { version: string };
    assert.equal(version.version, '9.8.7');
  });
});
