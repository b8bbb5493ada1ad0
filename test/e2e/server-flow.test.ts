/**
 * The real `idv-server` process end to end: CLI client creation, token, account, uploads, finalize, processing,
 * a Standard Webhooks-signed callback verified by a real receiver, retrieval, PII deletion, a callback that
 * survives a server restart, and the malformed-image corpus refused over HTTP while /health stays 200.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CallbackPayload,
  CreateAccountResponse,
  ExecutionDetails,
  ExecutionStatusResponse,
  TokenResponse,
} from '../../src/shared/api/index.js';
import { malformedCorpus } from '../support/malformed-images.js';
import { type ReceivedCallback, startReceiver, verifiedBody } from '../support/webhook-receiver.js';
import {
  basicAuth,
  makeJpeg,
  runCli,
  type ServerProcess,
  spawnServer,
  uploadForm,
} from '../support/server.js';

function verifySignature(secret: string, callback: ReceivedCallback): CallbackPayload {
  return CallbackPayload.parse(verifiedBody(secret, callback));
}

describe('idv-server process end to end', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'idv-e2e-'));
  const env = {
    IDV_DATA_DIR: dataDir,
    // First retry after ~2 s leaves time to stop the server between attempts; the rest are quick.
    IDV_WEBHOOK_RETRY_SCHEDULE_MS: '2000,300,300',
    IDV_POLL_MS: '100',
    // The receivers listen on 127.0.0.1: the development setting (issue #18), not a hole in the callback policy.
    IDV_ALLOW_LOOPBACK_CALLBACKS: '1',
  };
  let server: ServerProcess | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let flaky: Awaited<ReturnType<typeof startReceiver>>;
  let shop: { clientId: string; clientSecret: string; webhookSecret: string };

  before(async () => {
    receiver = await startReceiver([200]);
    flaky = await startReceiver([500, 200]);
    const cli = await runCli(
      [
        'client',
        'create',
        '--name',
        'E2E shop',
        '--allowed-origin',
        receiver.origin,
        '--allowed-origin',
        flaky.origin,
        '--json',
      ],
      env,
    );
    assert.equal(cli.code, 0, cli.stderr);
    shop = JSON.parse(cli.stdout) as typeof shop;
    assert.match(shop.webhookSecret, /^whsec_[A-Za-z0-9+/=]+$/);
    server = await spawnServer(env);
  });

  after(async () => {
    await server?.stop();
    await receiver?.close();
    await flaky?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function accessToken(): Promise<string> {
    const response = await fetch(`${server?.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        authorization: basicAuth(shop.clientId, shop.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(response.status, 200);
    return TokenResponse.parse(await response.json()).access_token;
  }

  async function createAccount(
    bearer: string,
    callbackUrl: string,
    origin: string,
  ): Promise<CreateAccountResponse> {
    const response = await fetch(`${server?.url}/api/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        customerInternalReference: 'e2e-order',
        userReference: 'e2e-user',
        workflowDefinition: { key: 10011, credentials: [{ category: 'ID' }, { category: 'SELFIE' }] },
        callbackUrl,
        web: { successUrl: `${origin}/ok`, errorUrl: `${origin}/ko`, locale: 'en' },
      }),
    });
    assert.equal(response.status, 201, await response.clone().text());
    return CreateAccountResponse.parse(await response.json());
  }

  /** The widget's part: consent, document, three uploads, finalize. */
  async function capture(created: CreateAccountResponse): Promise<void> {
    const widget = { authorization: `Bearer ${created.sdk.token}` };
    const session = await fetch(`${server?.url}/api/v1/session`, { headers: widget });
    assert.equal(session.status, 200);
    const consent = await fetch(`${server?.url}/api/v1/session/consent`, {
      method: 'POST',
      headers: { ...widget, 'content-type': 'application/json' },
      body: JSON.stringify({ accepted: true }),
    });
    assert.equal(consent.status, 200);
    const document = await fetch(`${server?.url}/api/v1/session/document`, {
      method: 'PUT',
      headers: { ...widget, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'ID_CARD', country: 'DEU' }),
    });
    assert.equal(document.status, 200);
    let seed = 20;
    for (const credential of created.workflowExecution.credentials) {
      for (const url of Object.values(credential.api?.parts ?? {})) {
        seed += 1;
        // Part URLs are absolute under IDV_PUBLIC_URL, which is this server's own origin here.
        const upload = await fetch(url as string, {
          method: 'POST',
          headers: widget,
          body: uploadForm(await makeJpeg(1000, 700, seed)),
        });
        assert.equal(upload.status, 201, await upload.clone().text());
      }
    }
    const finalize = await fetch(created.workflowExecution.credentials[0].api!.workflowExecution, {
      method: 'PUT',
      headers: widget,
    });
    assert.equal(finalize.status, 200);
  }

  async function waitForStatus(bearer: string, executionHref: string, status: string): Promise<void> {
    for (;;) {
      const response = await fetch(`${executionHref}/status`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      const parsed = ExecutionStatusResponse.parse(await response.json());
      if (parsed.workflowExecution.status === status) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('runs create → upload → finalize → PROCESSED → signed callback → retrieval → PII deletion', async () => {
    const bearer = await accessToken();
    const created = await createAccount(bearer, receiver.url, receiver.origin);
    await capture(created);
    const executionHref = created.workflowExecution.credentials[0].api!.workflowExecution;
    await waitForStatus(bearer, executionHref, 'PROCESSED');

    const [callback] = await receiver.waitFor(1);
    const payload = verifySignature(shop.webhookSecret, callback);
    assert.equal(payload.workflowExecution.id, created.workflowExecution.id);
    assert.equal(payload.workflowExecution.status, 'PROCESSED');
    assert.equal(payload.account.id, created.account.id);
    assert.equal(payload.userReference, 'e2e-user');
    assert.throws(
      () => verifySignature('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', callback),
      'another secret fails',
    );

    const auth = { authorization: `Bearer ${bearer}` };
    const details = ExecutionDetails.parse(await (await fetch(executionHref, { headers: auth })).json());
    assert.equal(details.workflow.status, 'PROCESSED');
    assert.ok(details.decision);
    const face = details.credentials[1].parts[0];
    const image = await fetch(face.href, { headers: auth });
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/jpeg');

    const wiped = await fetch(executionHref, { method: 'DELETE', headers: auth });
    assert.equal(wiped.status, 204);
    const afterWipe = ExecutionDetails.parse(await (await fetch(executionHref, { headers: auth })).json());
    assert.ok(afterWipe.wipedOutAt);
    assert.equal(afterWipe.workflow.userReference, null);
    assert.deepEqual(afterWipe.decision, details.decision);
    assert.equal((await fetch(face.href, { headers: auth })).status, 404);
  });

  it('delivers a callback that first failed after the server restarts', async () => {
    const bearer = await accessToken();
    const created = await createAccount(bearer, flaky.url, flaky.origin);
    await capture(created);
    const [failed] = await flaky.waitFor(1);
    assert.equal(failed.answeredWith, 500);
    const exitCode = await server?.stop('SIGTERM');
    assert.equal(exitCode, 0, 'graceful shutdown exits 0');

    server = await spawnServer(env);
    const [, delivered] = await flaky.waitFor(2);
    assert.equal(delivered.answeredWith, 200);
    assert.equal(delivered.headers['webhook-id'], failed.headers['webhook-id'], 'the same message, retried');
    assert.equal(delivered.body, failed.body, 'the exact stored bytes');
    const payload = verifySignature(shop.webhookSecret, delivered);
    assert.equal(payload.workflowExecution.id, created.workflowExecution.id);
    assert.equal(payload.workflowExecution.status, 'PROCESSED');
  });

  it('refuses each malformed upload with its code while /health stays 200', async () => {
    const bearer = await accessToken();
    const created = await createAccount(bearer, receiver.url, receiver.origin);
    const widget = { authorization: `Bearer ${created.sdk.token}` };
    // The selfie part: no PDF allowed there, so every corpus entry's expectation applies.
    const facePart = created.workflowExecution.credentials[1].api!.parts.face as string;
    for (const entry of await malformedCorpus()) {
      const response = await fetch(facePart, {
        method: 'PUT',
        headers: widget,
        body: uploadForm(entry.bytes, entry.filename, 'application/octet-stream'),
      });
      if (entry.expectedCode === 'OK') {
        assert.ok(response.status === 200 || response.status === 201, `${entry.name}: ${response.status}`);
      } else {
        const body = (await response.json()) as { error: { code: string } };
        assert.equal(body.error.code, entry.expectedCode, entry.name);
        assert.equal(response.status, entry.expectedStatus, entry.name);
      }
      const health = await fetch(`${server?.url}/health`);
      assert.equal(health.status, 200, `health after ${entry.name}`);
    }
  });
});
