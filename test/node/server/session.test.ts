/** Widget API with the workflow token: session, consent, document choice, metadata, uploads, finalize, processing. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ExecutionDetails,
  FinalizeResponse,
  PartUploadResponse,
  SessionResponse,
} from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  captureEverything,
  createAccount,
  createTestClient,
  makeJpeg,
  openTestApp,
  pathOf,
  recordingFetch,
  type TestApp,
  type TestClient,
  uploadForm,
  widgetAuth,
} from '../../support/server.js';

type ErrorBody = { error: { code: string; issues?: unknown[] } };

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

for (const target of testDatabases()) {
  describe(`widget session (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    const webhooks = recordingFetch();
    before(async () => {
      app = await openTestApp(target, { fetch: webhooks.fetch });
      client = await createTestClient(app);
    });
    after(() => app.close());

    const json = (created: { sdk: { token: string } }, method: string, path: string, body: unknown) =>
      app.request(path, {
        method,
        headers: { authorization: `Bearer ${created.sdk.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const session = async (created: { sdk: { token: string } }) => {
      const response = await app.request('/api/v1/session', {
        headers: { authorization: `Bearer ${created.sdk.token}` },
      });
      assert.equal(response.status, 200);
      return SessionResponse.parse(await response.json());
    };

    it('reads the session with ids, allowed documents, links and expiry', async () => {
      const created = await createAccount(app, client);
      const view = await session(created);
      assert.equal(view.account.id, created.account.id);
      assert.equal(view.workflowExecution.id, created.workflowExecution.id);
      assert.equal(view.workflowExecution.status, 'INITIATED');
      assert.deepEqual(
        view.credentials.map((c) => [c.id, c.category]),
        created.workflowExecution.credentials.map((c) => [c.id, c.category]),
      );
      assert.deepEqual(view.document.allowedTypes, ['ID_CARD', 'PASSPORT', 'DRIVING_LICENSE']);
      assert.deepEqual(view.document.allowedCountries, ['DEU', 'USA']);
      assert.equal(view.document.chosen, null);
      assert.equal(view.liveness.mode, 'passive');
      assert.equal(view.locale, 'de');
      assert.equal(view.web.successUrl, 'https://shop.example/done');
      assert.equal(view.consent.given, false);
      assert.deepEqual(view.parts, []);
      assert.equal(view.tokenExpiresAt, new Date(app.clock.now().getTime() + 30 * 60_000).toISOString());
      assert.equal(view.links.finalize, created.workflowExecution.credentials[0].api!.workflowExecution);
      assert.equal(view.links.parts.length, 3);
    });

    it('allows cross-origin widget calls from registered origins only', async () => {
      const preflight = (origin: string) =>
        app.request('/api/v1/session/consent', {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type',
          },
        });
      const allowed = await preflight('https://shop.example');
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://shop.example');
      assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/i);
      const refused = await preflight('https://evil.example');
      assert.equal(refused.headers.get('access-control-allow-origin'), null);
      const created = await createAccount(app, client);
      const read = await app.request('/api/v1/session', {
        headers: { ...widgetAuth(created), origin: 'https://shop.example' },
      });
      assert.equal(read.status, 200);
      assert.equal(read.headers.get('access-control-allow-origin'), 'https://shop.example');
      // Issue #18: another client's registered origin cannot read this client's session with its token.
      await createTestClient(app, ['https://rival.example'], 'Rival');
      const rival = await app.request('/api/v1/session', {
        headers: { ...widgetAuth(created), origin: 'https://rival.example' },
      });
      assert.equal(rival.headers.get('access-control-allow-origin'), null);
      const noToken = await app.request('/api/v1/session', { headers: { origin: 'https://rival.example' } });
      assert.equal(noToken.status, 401);
      assert.equal(noToken.headers.get('access-control-allow-origin'), 'https://rival.example');
      // Server-to-server routes answer no preflight, whoever asks.
      for (const [path, method] of [
        ['/api/v1/accounts', 'POST'],
        [`/api/v1/accounts/${created.account.id}`, 'DELETE'],
        [pathOf(created.workflowExecution.credentials[1].api!.parts.face as string), 'GET'],
        [pathOf(created.workflowExecution.credentials[0].api!.workflowExecution), 'DELETE'],
      ] as const) {
        const answer = await app.request(path, {
          method: 'OPTIONS',
          headers: { origin: 'https://shop.example', 'access-control-request-method': method },
        });
        assert.equal(answer.headers.get('access-control-allow-origin'), null, `${method} ${path}`);
      }
    });

    it('refuses missing and unknown workflow tokens', async () => {
      const none = await app.request('/api/v1/session');
      assert.equal(none.status, 401);
      assert.equal(((await none.json()) as ErrorBody).error.code, 'UNAUTHORIZED');
      const bogus = await app.request('/api/v1/session', {
        headers: { authorization: 'Bearer idv_wt_unknown' },
      });
      assert.equal(bogus.status, 401);
      assert.equal(((await bogus.json()) as ErrorBody).error.code, 'INVALID_TOKEN');
      // An OAuth access token is not a workflow token.
      const oauth = await app.request('/api/v1/session', { headers: client.auth });
      assert.equal(oauth.status, 401);
    });

    it('records consent', async () => {
      const created = await createAccount(app, client);
      const response = await json(created, 'POST', '/api/v1/session/consent', {
        accepted: true,
        version: 'v3',
      });
      assert.equal(response.status, 200);
      const view = await session(created);
      assert.equal(view.consent.given, true);
      assert.equal(view.consent.version, 'v3');
      const wrongType = await json(created, 'POST', '/api/v1/session/consent', { accepted: 'yes' });
      assert.equal(wrongType.status, 422);
      const extra = await json(created, 'POST', '/api/v1/session/consent', { accepted: true, admin: true });
      assert.equal(extra.status, 400);
      assert.equal(((await extra.json()) as ErrorBody).error.code, 'UNKNOWN_FIELD');
    });

    it('accepts only document types and countries the account allows', async () => {
      const created = await createAccount(app, client);
      const ok = await json(created, 'PUT', '/api/v1/session/document', { type: 'PASSPORT', country: 'USA' });
      assert.equal(ok.status, 200);
      assert.deepEqual((await session(created)).document.chosen, { type: 'PASSPORT', country: 'USA' });
      const visa = await json(created, 'PUT', '/api/v1/session/document', { type: 'VISA', country: 'USA' });
      assert.equal(visa.status, 422);
      assert.equal(((await visa.json()) as ErrorBody).error.code, 'DOCUMENT_TYPE_NOT_ALLOWED');
      const france = await json(created, 'PUT', '/api/v1/session/document', {
        type: 'ID_CARD',
        country: 'FRA',
      });
      assert.equal(france.status, 422);
      assert.equal(((await france.json()) as ErrorBody).error.code, 'DOCUMENT_TYPE_NOT_ALLOWED');
      const lower = await json(created, 'PUT', '/api/v1/session/document', {
        type: 'ID_CARD',
        country: 'deu',
      });
      assert.equal(lower.status, 422);
      assert.equal(((await lower.json()) as ErrorBody).error.code, 'VALIDATION_FAILED');
      // The refused choices did not overwrite the accepted one.
      assert.deepEqual((await session(created)).document.chosen, { type: 'PASSPORT', country: 'USA' });
    });

    it('stores capture metadata (no images) for retrieval', async () => {
      const created = await createAccount(app, client);
      const metadata = {
        userAgent: 'Mozilla/5.0 (test)',
        parts: [{ classifier: 'FRONT', method: 'auto', qualityReasons: ['GLARE'], attempts: 2 }],
        timings: { documentFrontMs: 5400 },
      };
      const response = await json(created, 'POST', '/api/v1/session/capture-metadata', metadata);
      assert.equal(response.status, 200);
      const details = await app.request(
        pathOf(created.workflowExecution.credentials[0].api!.workflowExecution),
        {
          headers: client.auth,
        },
      );
      const parsed = ExecutionDetails.parse(await details.json());
      assert.equal(parsed.captureClient?.userAgent, 'Mozilla/5.0 (test)');
      assert.deepEqual(parsed.captureClient?.timings, { documentFrontMs: 5400 });
      const badMethod = await json(created, 'POST', '/api/v1/session/capture-metadata', {
        parts: [{ classifier: 'FRONT', method: 'telepathy' }],
      });
      assert.equal(badMethod.status, 422);
    });

    it('uploads a real JPEG part and serves the stored bytes to the client', async () => {
      const created = await createAccount(app, client);
      const front = created.workflowExecution.credentials[0].api!.parts.front as string;
      const jpeg = await makeJpeg(1200, 800, 7);
      const response = await app.request(pathOf(front), {
        method: 'POST',
        headers: widgetAuth(created),
        body: uploadForm(jpeg),
      });
      assert.equal(response.status, 201);
      const { part } = PartUploadResponse.parse(await response.json());
      assert.equal(part.classifier, 'FRONT');
      assert.equal(part.credentialId, created.workflowExecution.credentials[0].id);
      assert.equal(part.mime, 'image/jpeg');
      assert.equal(part.width, 1200);
      assert.equal(part.height, 800);

      const view = await session(created);
      assert.deepEqual(
        view.parts.map((p) => [p.classifier, p.sha256]),
        [['FRONT', part.sha256]],
      );
      const image = await app.request(pathOf(front), { headers: client.auth });
      assert.equal(image.status, 200);
      assert.equal(image.headers.get('content-type'), 'image/jpeg');
      const stored = Buffer.from(await image.arrayBuffer());
      assert.equal(createHash('sha256').update(stored).digest('hex'), part.sha256);
      // The widget token cannot read images back.
      const asWidget = await app.request(pathOf(front), { headers: widgetAuth(created) });
      assert.equal(asWidget.status, 401);
    });

    it('replaces a part on re-upload and removes it on DELETE', async () => {
      const created = await createAccount(app, client);
      const back = pathOf(created.workflowExecution.credentials[0].api!.parts.back as string);
      const first = await app.request(back, {
        method: 'POST',
        headers: widgetAuth(created),
        body: uploadForm(await makeJpeg(900, 600, 3)),
      });
      assert.equal(first.status, 201);
      const firstPart = PartUploadResponse.parse(await first.json()).part;
      const second = await app.request(back, {
        method: 'PUT',
        headers: widgetAuth(created),
        body: uploadForm(await makeJpeg(900, 600, 4)),
      });
      assert.equal(second.status, 200);
      const secondPart = PartUploadResponse.parse(await second.json()).part;
      assert.notEqual(secondPart.sha256, firstPart.sha256);
      const view = await session(created);
      assert.deepEqual(
        view.parts.map((p) => p.sha256),
        [secondPart.sha256],
      );
      const executionBlobs = join(app.dataDir, 'blobs', 'executions', created.workflowExecution.id);
      assert.equal(listFiles(executionBlobs).length, 1, 'the replaced blob is gone');

      const removed = await app.request(back, { method: 'DELETE', headers: widgetAuth(created) });
      assert.equal(removed.status, 204);
      assert.deepEqual((await session(created)).parts, []);
      assert.equal(listFiles(executionBlobs).length, 0);
      const again = await app.request(back, { method: 'DELETE', headers: widgetAuth(created) });
      assert.equal(again.status, 404);
    });

    it('replays the first answer for a repeated Idempotency-Key', async () => {
      const created = await createAccount(app, client);
      const face = pathOf(created.workflowExecution.credentials[1].api!.parts.face as string);
      const headers = { ...widgetAuth(created), 'idempotency-key': 'upload-face-1' };
      const first = await app.request(face, {
        method: 'POST',
        headers,
        body: uploadForm(await makeJpeg(640, 640, 11)),
      });
      assert.equal(first.status, 201);
      const firstBody = await first.text();
      // A retry sends the same file in a new multipart envelope (another boundary).
      const retry = await app.request(face, {
        method: 'POST',
        headers,
        body: uploadForm(await makeJpeg(640, 640, 11), 'retry.jpg'),
      });
      assert.equal(retry.status, 201);
      assert.equal(await retry.text(), firstBody);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      const view = await session(created);
      assert.equal(view.parts[0].sha256, (JSON.parse(firstBody) as { part: { sha256: string } }).part.sha256);
      const otherFile = await app.request(face, {
        method: 'POST',
        headers,
        body: uploadForm(await makeJpeg(640, 640, 12)),
      });
      assert.equal(otherFile.status, 409, 'the same key with another file is not a retry');
      assert.equal(((await otherFile.json()) as ErrorBody).error.code, 'IDEMPOTENCY_KEY_MISMATCH');
      assert.equal((await session(created)).parts[0].sha256, view.parts[0].sha256, 'nothing replaced');
      const otherRequest = await app.request(face, { method: 'DELETE', headers });
      assert.equal(otherRequest.status, 409);
      assert.equal(((await otherRequest.json()) as ErrorBody).error.code, 'IDEMPOTENCY_KEY_MISMATCH');
    });

    it('refuses bad uploads with their codes', async () => {
      const created = await createAccount(app, client);
      const [idCredential, selfie] = created.workflowExecution.credentials;
      const front = pathOf(idCredential.api!.parts.front as string);
      const upload = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
        app.request(path, { method: 'POST', headers: { ...widgetAuth(created), ...headers }, body });

      const text = await upload(front, uploadForm(Buffer.from('just text, not an image'), 'x.jpg'));
      assert.equal(text.status, 415);
      assert.equal(((await text.json()) as ErrorBody).error.code, 'UNSUPPORTED_MEDIA_TYPE');

      const noFile = new FormData();
      noFile.append('other', 'x');
      const missing = await upload(front, noFile);
      assert.equal(missing.status, 422);
      assert.equal(((await missing.json()) as ErrorBody).error.code, 'MISSING_FILE');

      const wrongClassifier = `${pathOf(idCredential.api!.workflowExecution)}/credentials/${idCredential.id}/parts/FACE`;
      const invalid = await upload(wrongClassifier, uploadForm(await makeJpeg(800, 600)));
      assert.equal(invalid.status, 422);
      assert.equal(((await invalid.json()) as ErrorBody).error.code, 'INVALID_CLASSIFIER');

      const unknownClassifier = `${pathOf(idCredential.api!.workflowExecution)}/credentials/${selfie.id}/parts/LEFT`;
      assert.equal((await upload(unknownClassifier, uploadForm(await makeJpeg(800, 600)))).status, 422);

      const oversize = await upload(front, new Uint8Array(17 * 1024 * 1024), {
        'content-type': 'image/jpeg',
      });
      assert.equal(oversize.status, 413);
      assert.equal(((await oversize.json()) as ErrorBody).error.code, 'IMAGE_TOO_LARGE');
      assert.deepEqual((await session(created)).parts, []);
    });

    it('refuses the token of execution A on execution B', async () => {
      const a = await createAccount(app, client);
      const b = await createAccount(app, client);
      const bFront = pathOf(b.workflowExecution.credentials[0].api!.parts.front as string);
      const upload = await app.request(bFront, {
        method: 'POST',
        headers: widgetAuth(a),
        body: uploadForm(await makeJpeg()),
      });
      assert.equal(upload.status, 403);
      assert.equal(((await upload.json()) as ErrorBody).error.code, 'FORBIDDEN');
      const finalize = await app.request(pathOf(b.workflowExecution.credentials[0].api!.workflowExecution), {
        method: 'PUT',
        headers: widgetAuth(a),
      });
      assert.equal(finalize.status, 403);
      const remove = await app.request(bFront, { method: 'DELETE', headers: widgetAuth(a) });
      assert.equal(remove.status, 403);
    });

    it('finalize requires consent and every required part, then is idempotent and processes', async () => {
      const created = await createAccount(app, client);
      const finalizePath = pathOf(created.workflowExecution.credentials[0].api!.workflowExecution);
      const finalize = () => app.request(finalizePath, { method: 'PUT', headers: widgetAuth(created) });

      const noConsent = await finalize();
      assert.equal(noConsent.status, 409);
      assert.equal(((await noConsent.json()) as ErrorBody).error.code, 'CONSENT_REQUIRED');

      await json(created, 'POST', '/api/v1/session/consent', { accepted: true });
      const front = pathOf(created.workflowExecution.credentials[0].api!.parts.front as string);
      await app.request(front, {
        method: 'POST',
        headers: widgetAuth(created),
        body: uploadForm(await makeJpeg()),
      });
      const missing = await finalize();
      assert.equal(missing.status, 422);
      const missingBody = (await missing.json()) as {
        error: { code: string; issues: Array<{ classifier: string; category: string }> };
      };
      assert.equal(missingBody.error.code, 'MISSING_PARTS');
      assert.deepEqual(
        missingBody.error.issues.map((issue) => `${issue.category}/${issue.classifier}`).sort(),
        ['ID/BACK', 'SELFIE/FACE'],
      );

      // A passport has no back: choosing it leaves only the selfie missing.
      await json(created, 'PUT', '/api/v1/session/document', { type: 'PASSPORT', country: 'DEU' });
      const stillMissing = (await (await finalize()).json()) as {
        error: { issues: Array<{ classifier: string }> };
      };
      assert.deepEqual(
        stillMissing.error.issues.map((issue) => issue.classifier),
        ['FACE'],
      );
      const face = pathOf(created.workflowExecution.credentials[1].api!.parts.face as string);
      await app.request(face, {
        method: 'POST',
        headers: widgetAuth(created),
        body: uploadForm(await makeJpeg(700, 700, 5)),
      });

      const done = await finalize();
      assert.equal(done.status, 200);
      const answer = FinalizeResponse.parse(await done.json());
      assert.equal(answer.workflowExecution.status, 'ACQUIRED');
      const repeat = await finalize();
      assert.equal(repeat.status, 200);
      assert.deepEqual(await repeat.json(), answer);

      const late = await app.request(face, {
        method: 'PUT',
        headers: widgetAuth(created),
        body: uploadForm(await makeJpeg()),
      });
      assert.equal(late.status, 409);
      assert.equal(((await late.json()) as ErrorBody).error.code, 'EXECUTION_NOT_ACTIVE');

      await app.idv.runDueWork();
      const details = ExecutionDetails.parse(
        await (await app.request(finalizePath, { headers: client.auth })).json(),
      );
      assert.equal(details.workflow.status, 'PROCESSED');
      assert.ok(details.decision, 'a decision is stored');
      assert.ok(details.completedAt);
      assert.ok(Object.keys(details.capabilities).length > 0);
      // Still the same answer after processing.
      assert.deepEqual(await (await finalize()).json(), answer);

      const callback = webhooks.calls.find((call) => call.body.includes(created.workflowExecution.id));
      assert.ok(callback, 'a callback was sent');
      assert.equal(callback.url, 'https://shop.example/idv/callback');
      const payload = JSON.parse(callback.body) as {
        workflowExecution: { status: string };
        userReference: string;
      };
      assert.equal(payload.workflowExecution.status, 'PROCESSED');
      assert.equal(payload.userReference, 'user-42');
      assert.ok(callback.headers.get('webhook-signature'));
    });

    it('passes the 10013 definition to processing: unsupported checks come back NOT_EXECUTED', async () => {
      const created = await createAccount(app, client, accountBody({ workflowDefinition: { key: 10013 } }));
      await captureEverything(app, created);
      const finalizePath = pathOf(created.workflowExecution.credentials[0].api!.workflowExecution);
      assert.equal(
        (await app.request(finalizePath, { method: 'PUT', headers: widgetAuth(created) })).status,
        200,
      );
      await app.idv.runDueWork();
      const details = ExecutionDetails.parse(
        await (await app.request(finalizePath, { headers: client.auth })).json(),
      );
      assert.equal(details.workflow.definitionKey, 10013);
      const notExecuted = Object.values(details.capabilities)
        .flat()
        .filter((result) => result.decision.type === 'NOT_EXECUTED');
      assert.ok(notExecuted.length > 0, 'capabilities this server cannot perform are reported, not faked');
    });
  });
}
