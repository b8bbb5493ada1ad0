/**
 * Helpers of the KYC identity and IDA tests: an IDV session run through the workflow API with its KYC row (a
 * generated passport, photographed, the astronaut's selfie and passive liveness burst, processed by the real
 * pipeline), the widget's capture calls with a bare session token, and KYC API calls.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LivenessPerson, livenessFramePath } from '../../../scripts/make-liveness-fixtures.js';
import { WIDGET_FIXTURES_DIR } from '../../../scripts/make-widget-fixtures.js';
import { kycDb, kycSessionValues } from '../../../src/server/kyc/tables.js';
import type { CreateAccountResponse } from '../../../src/shared/api/index.js';
import { SessionResponse as WidgetSessionResponse } from '../../../src/transport/session-schemas.js';
import { complete, issueChallenge, uploadFrame } from '../liveness/liveness-client.js';
import {
  accountBody,
  createAccount,
  pathOf,
  type TestApp,
  type TestClient,
  uploadForm,
} from '../../support/server.js';
import { passportPage, photographDocument, specimenHolder } from '../../support/specimens/index.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field in the tests
export type Json = Record<string, any>;

/** A KYC API call with the client's Bearer token: status and parsed body (or the raw response for bytes). */
export async function kycCall(
  app: TestApp,
  client: TestClient,
  path: string,
  body: object,
): Promise<{ status: number; json: Json; response: Response }> {
  const response = await app.request(path, {
    method: 'POST',
    headers: { ...client.auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const type = response.headers.get('content-type') ?? '';
  const json = type.includes('json') ? ((await response.clone().json()) as Json) : {};
  return { status: response.status, json, response };
}

/** The liveness helpers take a creation response; only its session token is used. */
const withToken = (token: string) => ({ sdk: { token } }) as CreateAccountResponse;

/** The passive burst of `person` (three frames holding still, 150 ms apart), completed. */
export async function livenessBurst(app: TestApp, token: string, person: LivenessPerson): Promise<string> {
  const created = withToken(token);
  const challenge = await issueChallenge(app, created);
  for (const [index, pose] of (['neutral', 'sway-a', 'sway-b'] as const).entries()) {
    app.clock.advance(150);
    const response = await uploadFrame(
      app,
      created,
      challenge,
      readFileSync(livenessFramePath(person, pose)),
      {
        nonce: challenge.nonce,
        index,
        kind: 'burst',
        step: 0,
        capturedAtMs: 150 * (index + 1),
      },
    );
    assert.equal(response.status, 201, await response.text());
  }
  return (await complete(app, created, challenge)).status;
}

/**
 * Consent, the selfie and the liveness burst through the widget's session endpoints with `token`, then finalize
 * and process: how an IDA session is captured without the SDK routes.
 */
export async function captureSelfieSession(
  app: TestApp,
  token: string,
  selfie: Buffer,
  person: LivenessPerson,
): Promise<void> {
  const auth = { authorization: `Bearer ${token}` };
  const consent = await app.request('/api/v1/session/consent', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ accepted: true, version: '2026-01' }),
  });
  assert.equal(consent.status < 300, true, await consent.text());
  // Parsed as the widget parses it (the hosted page of the session's `url` reads the same answer).
  const session = WidgetSessionResponse.parse(
    await (await app.request('/api/v1/session', { headers: auth })).json(),
  );
  assert.equal(session.workflowExecution.definitionKey, 10090);
  const face = session.links.parts.find((part) => part.classifier === 'FACE');
  assert.ok(face, 'the session takes a selfie');
  const png = selfie[0] === 0x89;
  const upload = await app.request(pathOf(face.href), {
    method: 'POST',
    headers: auth,
    body: uploadForm(selfie, png ? 'selfie.png' : 'selfie.jpg', png ? 'image/png' : 'image/jpeg'),
  });
  assert.equal(upload.status, 201, await upload.text());
  assert.equal(await livenessBurst(app, token, person), 'DONE');
  const finalize = await app.request(pathOf(session.links.finalize), { method: 'PUT', headers: auth });
  assert.ok(finalize.status < 300, await finalize.text());
  await app.idv.runDueWork();
}

export const astronautSelfie = () => readFileSync(join(WIDGET_FIXTURES_DIR, 'face-1280.png'));

/** The KYC side of an execution created through the workflow API: an IDV session of `userId`. */
export async function insertIdvSession(
  app: TestApp,
  created: CreateAccountResponse,
  clientId: string,
  userId: string | null,
): Promise<void> {
  await kycDb(app.idv.ctx)
    .insertInto('kyc_sessions')
    .values(
      kycSessionValues({
        execution_id: created.workflowExecution.id,
        client_id: clientId,
        kind: 'idv',
        user_id: userId,
        document_type: 'passport',
        created_at: app.clock.now().toISOString(),
      }),
    )
    .execute();
}

/**
 * An IDV session of the astronaut with a generated passport (seed 23), through the workflow API plus its KYC row,
 * processed. `front` replaces the passport photo (e.g. noise for a rejected session).
 */
export async function runIdvSession(
  app: TestApp,
  client: TestClient,
  userId: string | null,
  front?: Buffer,
): Promise<{ created: CreateAccountResponse; holder: ReturnType<typeof specimenHolder> }> {
  const holder = specimenHolder(23);
  const created = await createAccount(
    app,
    client,
    accountBody({
      workflowDefinition: {
        key: 10011,
        credentials: [
          { category: 'ID', type: { values: ['PASSPORT'] }, country: { values: [holder.issuingState] } },
          { category: 'SELFIE' },
        ],
      },
      liveness: { mode: 'passive' },
    }),
  );
  await insertIdvSession(app, created, client.id, userId);
  const auth = { authorization: `Bearer ${created.sdk.token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  for (const [method, path, body] of [
    ['POST', '/api/v1/session/consent', { accepted: true, version: '2026-01' }],
    ['PUT', '/api/v1/session/document', { type: 'PASSPORT', country: holder.issuingState }],
  ] as const) {
    const response = await app.request(path, { method, headers: json, body: JSON.stringify(body) });
    assert.ok(response.status < 300, `${path}: ${response.status} ${await response.text()}`);
  }
  const id = created.workflowExecution.credentials.find((c) => c.category === 'ID');
  const selfie = created.workflowExecution.credentials.find((c) => c.category === 'SELFIE');
  const passport =
    front ?? photographDocument(await passportPage({ seed: 23 }), { seed: 23, rotationDeg: 3 });
  for (const [url, bytes, name, type] of [
    [id?.api?.parts.front, passport, 'page.jpg', 'image/jpeg'],
    [selfie?.api?.parts.face, astronautSelfie(), 'selfie.png', 'image/png'],
  ] as const) {
    assert.ok(url);
    const response = await app.request(pathOf(url), {
      method: 'POST',
      headers: auth,
      body: uploadForm(bytes, name, type),
    });
    assert.equal(response.status, 201, await response.text());
  }
  assert.equal(await livenessBurst(app, created.sdk.token, 'astronaut'), 'DONE');
  const finalize = await app.request(pathOf(id?.api?.workflowExecution ?? ''), {
    method: 'PUT',
    headers: auth,
  });
  assert.ok(finalize.status < 300, await finalize.text());
  await app.idv.runDueWork();
  return { created, holder };
}
