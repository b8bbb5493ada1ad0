/**
 * Issue #16, done-when: the KYC API alone, against a real `idv-server` process (SQLite, and PostgreSQL when
 * IDV_TEST_PG_URL is set):
 * - a registered webhook endpoint and the session's own webhook_url both receive signed events;
 * - an IDV session through the KYC endpoints only: create → consent → document type → front → back → selfie →
 *   liveness generate / process (passive burst) → finalize → verified, with the extracted data in document read, and
 *   the identity it created;
 * - IDA sessions for that identity: the same person is authenticated, another person is not;
 * - a weights change (minimum age) changes the next decision, and "weights by id" still shows the version the first
 *   session was decided with.
 * The flow is a list of named steps sharing one state object, each its own test in order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  LIVENESS_FRAME,
  livenessFramePath,
  makeLivenessFixtures,
  type LivenessPerson,
} from '../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures, WIDGET_FIXTURES_DIR } from '../../scripts/make-widget-fixtures.js';
import {
  type Holder,
  idCardBack,
  idCardFront,
  photographDocument,
  specimenHolder,
} from '../support/specimens/index.js';
import { guardRequests, launchChromium } from '../support/browser.js';
import { postgresSchema } from '../support/databases.js';
import { runCli, type ServerProcess, spawnServer } from '../support/server.js';
import {
  type ReceivedCallback,
  startReceiver,
  verifiedBody,
  type WebhookReceiver,
} from '../support/webhook-receiver.js';
import { screenshotAtSizes } from './pages/widget-driver.js';
import { burstProcessForm } from '../support/kyc-forms.js';

const ORIGIN = 'https://shop.example';
// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field below
type Json = any;

interface Session {
  sessionId: string;
  token: string;
}

interface FlowState {
  url: string;
  client: { clientId: string; clientSecret: string; webhookSecret: string };
  accessToken: string;
  holder: Holder;
  images: { front: Buffer; back: Buffer; selfie: Buffer; otherSelfie: Buffer };
  registry: WebhookReceiver;
  ownHook: WebhookReceiver;
  webhookId?: string;
  firstWeightsId?: string;
  idv?: Session;
  identityId?: string;
}

async function call(
  state: FlowState,
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${state.accessToken}` },
): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${state.url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

function sdkHeaders(state: FlowState, session: Session): Record<string, string> {
  return { 'client-id': state.client.clientId, authorization: `Bearer ${session.token}` };
}

async function sdk(state: FlowState, kind: 'idv' | 'ida', session: Session, step: string, body: object = {}) {
  return call(
    state,
    `/kyc/v2/${kind}/sdk/${step}`,
    { session_id: session.sessionId, ...body },
    sdkHeaders(state, session),
  );
}

async function addImage(
  state: FlowState,
  kind: 'idv' | 'ida',
  session: Session,
  which: 'front' | 'back' | 'selfie',
  bytes: Buffer,
): Promise<Json> {
  const form = new FormData();
  form.append('session_id', session.sessionId);
  form.append('latitude', '52.52');
  form.append('longitude', '13.40');
  const png = bytes[0] === 0x89;
  form.append('file', new Blob([new Uint8Array(bytes)], { type: png ? 'image/png' : 'image/jpeg' }), which);
  const response = await fetch(`${state.url}/kyc/v2/${kind}/sdk/${which}-image/add`, {
    method: 'POST',
    headers: sdkHeaders(state, session),
    body: form,
  });
  const json = await response.json();
  assert.ok(
    response.status === 200 || response.status === 201,
    `${which}: ${response.status} ${JSON.stringify(json)}`,
  );
  return json;
}

/** The passive burst of `person` holding still (a slight sway), through liveness generate + process. */
async function liveness(state: FlowState, kind: 'idv' | 'ida', session: Session, person: LivenessPerson) {
  const generated = await sdk(state, kind, session, 'liveness/generate');
  assert.equal(generated.status, 200, JSON.stringify(generated.json));
  assert.equal(generated.json.mode, 'passive');
  const form = burstProcessForm(session.sessionId, generated.json, person, 100);
  const response = await fetch(`${state.url}/kyc/v2/${kind}/sdk/liveness/process`, {
    method: 'POST',
    headers: sdkHeaders(state, session),
    body: form,
  });
  const json = await response.json();
  assert.equal(response.status, 200, JSON.stringify(json));
  assert.equal(json.status, 'DONE', JSON.stringify(json));
}

/** Finalize, then finalize again (idempotent) until the background job has decided. */
async function finalizeAndWait(state: FlowState, kind: 'idv' | 'ida', session: Session): Promise<Json> {
  const first = await sdk(state, kind, session, 'finalize');
  assert.equal(first.status, 200, JSON.stringify(first.json));
  for (;;) {
    const answer = await sdk(state, kind, session, 'finalize');
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    if (answer.json.status === 'completed') return answer.json;
    assert.equal(answer.json.status, 'processing');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The first signed body at `receiver` that `matches`, waiting for more deliveries as needed (the test's timeout bounds it). */
async function signedBody(
  state: FlowState,
  receiver: WebhookReceiver,
  matches: (body: Json) => boolean,
): Promise<Json> {
  for (let seen = 0; ; seen += 1) {
    const received = await receiver.waitFor(seen + 1);
    const body = verifiedBody(state.client.webhookSecret, received[seen] as ReceivedCallback) as Json;
    if (matches(body)) return body;
  }
}

/** An IDV session through the KYC endpoints only, up to its decision. */
async function verifyIdentity(state: FlowState, userId: string): Promise<{ session: Session; final: Json }> {
  const created = await call(state, '/kyc/v2/idv/session/create', {
    user_id: userId,
    metadata: { channel: 'e2e', run: userId },
    webhook_url: state.ownHook.url,
    settings: { document_types: ['identification_card'], countries: ['DEU'] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const session = { sessionId: created.json.session_id, token: created.json.session_token };
  const consent = await sdk(state, 'idv', session, 'consent', { consent: true, consent_version: '2026-01' });
  assert.equal(consent.status, 200, JSON.stringify(consent.json));
  const type = await sdk(state, 'idv', session, 'document-type', {
    document_type: 'identification_card',
    issuing_country: 'DEU',
  });
  assert.equal(type.status, 200, JSON.stringify(type.json));
  await addImage(state, 'idv', session, 'front', state.images.front);
  await addImage(state, 'idv', session, 'back', state.images.back);
  await addImage(state, 'idv', session, 'selfie', state.images.selfie);
  await liveness(state, 'idv', session, 'astronaut');
  return { session, final: await finalizeAndWait(state, 'idv', session) };
}

async function authenticate(state: FlowState, person: LivenessPerson, selfie: Buffer): Promise<Json> {
  const created = await call(state, '/kyc/v2/ida/session/create', { identity_id: state.identityId });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const session = { sessionId: created.json.session_id, token: created.json.session_token };
  assert.equal((await sdk(state, 'ida', session, 'consent', { consent: true })).status, 200);
  await addImage(state, 'ida', session, 'selfie', selfie);
  await liveness(state, 'ida', session, person);
  const final = await finalizeAndWait(state, 'ida', session);
  const read = await call(state, '/kyc/v2/ida/session/read', { session_id: session.sessionId });
  assert.equal(read.status, 200);
  assert.equal(read.json.identity_id, state.identityId);
  assert.equal(read.json.authenticated, final.authenticated);
  return final;
}

const STEPS: Array<[string, (state: FlowState) => Promise<void>]> = [
  [
    'utility: ping, version, health with its checks',
    async (state) => {
      const ping = await fetch(`${state.url}/kyc/v2/ping`);
      assert.equal(ping.status, 200);
      const health = await fetch(`${state.url}/kyc/v2/health`);
      const body = await health.json();
      assert.equal(health.status, 200, JSON.stringify(body));
      assert.deepEqual(Object.keys(body.checks).sort(), ['blob_store', 'database', 'face_models', 'queue']);
      const version = await (await fetch(`${state.url}/kyc/v2/version`)).json();
      assert.equal(version.api_version, '2.10.15');
    },
  ],
  [
    'token, default weights, a registered webhook endpoint',
    async (state) => {
      const token = await fetch(`${state.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${state.client.clientId}:${state.client.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      assert.equal(token.status, 200);
      state.accessToken = (await token.json()).access_token;
      const weights = await call(state, '/kyc/v2/weights/read', {});
      assert.equal(weights.status, 200, JSON.stringify(weights.json));
      assert.equal(weights.json.weights.minimum_age, null);
      const hook = await call(state, '/kyc/v2/webhook/create', {
        url: state.registry.url,
        description: 'e2e',
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.json));
      state.webhookId = hook.json.webhook_id;
    },
  ],
  [
    'IDV session through the KYC endpoints only → verified',
    async (state) => {
      const { session, final } = await verifyIdentity(state, 'kyc-user-1');
      state.idv = session;
      assert.equal(final.verified, true, JSON.stringify(final));
      // No sanctions list configured and no screening asked for: null with a reason, never false.
      assert.equal(final.on_sanction_list, null);
      assert.ok(final.on_sanction_list_reason);
    },
  ],
  [
    'session read, document read, files, tests, identity',
    async (state) => {
      const sessionId = state.idv?.sessionId;
      const read = await call(state, '/kyc/v2/idv/session/read', { session_id: sessionId });
      assert.equal(read.status, 200);
      assert.equal(read.json.status, 'completed');
      assert.equal(read.json.verified, true);
      assert.equal(read.json.user_id, 'kyc-user-1');
      assert.ok(read.json.idv_weights_id, 'the decision recorded its weights version');
      state.firstWeightsId = read.json.idv_weights_id;
      for (const field of [
        'consent_given_at',
        'front_image_given_at',
        'back_image_given_at',
        'liveness_given_at',
      ]) {
        assert.ok(read.json[field], field);
      }
      const document = await call(state, '/kyc/v2/idv/session/document/read', { session_id: sessionId });
      assert.equal(document.status, 200);
      assert.equal(document.json.last_name, state.holder.surname.replace(/'/g, ' '));
      assert.equal(document.json.birth_date, state.holder.birthDate);
      assert.equal(document.json.document_number, state.holder.documentNumber);
      const files = await call(state, '/kyc/v2/idv/session/document/list', { session_id: sessionId });
      const types = files.json.items.map((f: Json) => f.storage_file_type);
      for (const type of ['document_front', 'document_back', 'selfie', 'liveness_frame'])
        assert.ok(types.includes(type), type);
      const front = files.json.items.find((f: Json) => f.storage_file_type === 'document_front');
      const download = await fetch(`${state.url}/kyc/v2/idv/session/document/download`, {
        method: 'POST',
        headers: { authorization: `Bearer ${state.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ session_id: sessionId, file_id: front.file_id }),
      });
      assert.equal(download.status, 200);
      assert.equal(Number((await download.arrayBuffer()).byteLength), front.bytes);
      const tests = await call(state, '/kyc/v2/idv/session/test/read', { session_id: sessionId });
      assert.equal(tests.status, 200);
      for (const result of Object.values(tests.json.tests) as Json[]) {
        assert.notEqual(result.result, undefined);
      }
      state.identityId = read.json.identity_id;
      assert.ok(state.identityId, 'a verified session creates an identity');
      const identity = await call(state, '/kyc/v2/identity/read', { identity_id: state.identityId });
      assert.equal(identity.json.verified, true);
      assert.equal(identity.json.has_face_template, true);
      assert.equal(identity.json.last_name, document.json.last_name);
    },
  ],
  [
    'the KYC session is a workflow execution: retrieval and ID-proofing search see it',
    async (state) => {
      const search = await call(state, '/api/web/v1/idproofing', {
        searchByAttributes: [
          { attribute: 'workflowExecutionId', operator: 'EQUALS', values: [state.idv?.sessionId] },
        ],
      });
      assert.equal(search.status, 200, JSON.stringify(search.json));
      assert.equal(search.json.count, 1, JSON.stringify(search.json));
      assert.equal(search.json.results[0].status, 'PROCESSED');
      assert.equal(search.json.results[0].decision, 'PASSED');
      const details = await fetch(
        `${state.url}/api/v1/accounts/${search.json.results[0].accountId}/workflow-executions/${state.idv?.sessionId}`,
        { headers: { authorization: `Bearer ${state.accessToken}` } },
      );
      assert.equal(details.status, 200);
      const execution = await details.json();
      assert.equal(execution.decision.type, 'PASSED');
      assert.equal(execution.workflow.status, 'PROCESSED');
    },
  ],
  [
    'IDA: the same person is authenticated',
    async (state) => {
      const final = await authenticate(state, 'astronaut', state.images.selfie);
      assert.equal(final.authenticated, true, JSON.stringify(final));
    },
  ],
  [
    'IDA: another person is not',
    async (state) => {
      const final = await authenticate(state, 'other', state.images.otherSelfie);
      assert.equal(final.authenticated, false, JSON.stringify(final));
    },
  ],
  [
    'IDA on the hosted page: consent, then the selfie — no document step',
    async (state) => {
      const created = await call(state, '/kyc/v2/ida/session/create', { identity_id: state.identityId });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const browser = await launchChromium({ fakeCamera: true });
      try {
        const context = await browser.newContext();
        const guard = await guardRequests(context);
        const page = await context.newPage();
        await page.goto(created.json.url);
        const widget = page.locator('idv-capture');
        await widget.getByRole('heading', { name: 'Verify your identity' }).waitFor();
        // The consent names what this session asks for: a selfie, no document.
        await widget.getByText('We will ask for a selfie.', { exact: false }).waitFor();
        assert.equal(await widget.getByText('Have your ID document ready.').count(), 0);
        await screenshotAtSizes(page, 'kyc-ida-consent');
        await widget.getByRole('button', { name: 'I agree, continue' }).click();
        await widget.getByRole('heading', { name: 'Take a selfie' }).waitFor();
        assert.equal(await widget.getByRole('heading', { name: 'Choose your document' }).count(), 0);
        await screenshotAtSizes(page, 'kyc-ida-selfie');
        assert.deepEqual(guard.thirdParty, []);
      } finally {
        await browser.close();
      }
    },
  ],
  [
    'weights: a higher minimum age changes the next decision; weights by id keep the old version',
    async (state) => {
      const updated = await call(state, '/kyc/v2/weights/update', { weights: { minimum_age: 120 } });
      assert.equal(updated.status, 200, JSON.stringify(updated.json));
      assert.notEqual(updated.json.idv_weights_id, state.firstWeightsId);
      const { session, final } = await verifyIdentity(state, 'kyc-user-2');
      assert.equal(final.verified, false, JSON.stringify(final));
      const read = await call(state, '/kyc/v2/idv/session/read', { session_id: session.sessionId });
      assert.equal(read.json.idv_weights_id, updated.json.idv_weights_id);
      assert.equal(read.json.decision.type, 'REJECTED');
      const old = await call(state, '/kyc/v2/weights/read-by-id', { idv_weights_id: state.firstWeightsId });
      assert.equal(old.status, 200);
      assert.equal(old.json.weights.minimum_age, null);
      const first = await call(state, '/kyc/v2/idv/session/read', { session_id: state.idv?.sessionId });
      assert.equal(first.json.idv_weights_id, state.firstWeightsId);
      assert.equal(first.json.verified, true);
    },
  ],
  [
    'webhooks: the registered endpoint and the session’s own webhook_url got signed events',
    async (state) => {
      const sessionId = state.idv?.sessionId;
      const processed = (b: Json) =>
        b.workflowExecution?.id === sessionId && b.workflowExecution.status === 'PROCESSED';
      await signedBody(state, state.ownHook, processed);
      await signedBody(state, state.registry, processed);
      // IDA sessions reach the registry too; their href names the KYC read operation (the workflow API hides them).
      const ida = await signedBody(
        state,
        state.registry,
        (b) => b.workflowExecution?.definitionKey === 10090 && b.workflowExecution.status === 'PROCESSED',
      );
      assert.match(ida.workflowExecution.href, /\/kyc\/v2\/ida\/session\/read$/);
      const list = await call(state, '/kyc/v2/webhook/list', {});
      const hook = list.json.items.find((h: Json) => h.webhook_id === state.webhookId);
      assert.ok(hook.stats.delivered >= 1, JSON.stringify(hook));
    },
  ],
  [
    'isolation and bad input: wrong client-id, another session, no consent',
    async (state) => {
      const session = state.idv as Session;
      const wrongClient = await call(
        state,
        '/kyc/v2/idv/sdk/session/read',
        { session_id: session.sessionId },
        { 'client-id': 'idv_c_someone_else', authorization: `Bearer ${session.token}` },
      );
      assert.equal(wrongClient.status, 403);
      assert.equal(wrongClient.json.error.code, 'CLIENT_MISMATCH');
      const created = await call(state, '/kyc/v2/idv/session/create', {});
      const fresh = { sessionId: created.json.session_id, token: created.json.session_token };
      const early = await sdk(state, 'idv', fresh, 'document-type', { document_type: 'passport' });
      assert.equal(early.status, 409);
      assert.equal(early.json.error.code, 'CONSENT_REQUIRED');
      const crossed = await call(
        state,
        '/kyc/v2/idv/sdk/session/read',
        { session_id: session.sessionId },
        sdkHeaders(state, fresh),
      );
      assert.equal(crossed.status, 403);
      assert.equal(crossed.json.error.code, 'SESSION_MISMATCH');
    },
  ],
];

const databases: Array<'sqlite' | 'postgres'> = [
  'sqlite',
  ...(process.env.IDV_TEST_PG_URL ? (['postgres'] as const) : []),
];

for (const database of databases) {
  describe(`the KYC API end to end (${database})`, { timeout: 600_000 }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'idv-kyc-flow-'));
    let server: ServerProcess | undefined;
    let schema: Awaited<ReturnType<typeof postgresSchema>> | undefined;
    const state = {} as FlowState;

    before(async () => {
      await Promise.all([makeWidgetFixtures(), makeLivenessFixtures()]);
      state.holder = { ...specimenHolder(41), issuingState: 'DEU', nationality: 'DEU' };
      state.images = {
        front: photographDocument(await idCardFront({ seed: 41, holder: state.holder }), {
          seed: 41,
          rotationDeg: 2,
        }),
        back: photographDocument(await idCardBack({ seed: 41, holder: state.holder }), {
          seed: 42,
          rotationDeg: -2,
        }),
        selfie: readFileSync(join(WIDGET_FIXTURES_DIR, 'face-1280.png')),
        otherSelfie: readFileSync(livenessFramePath('other', 'neutral')),
      };
      assert.ok(LIVENESS_FRAME.width > 300, 'a liveness frame is large enough to serve as a selfie');
      state.registry = await startReceiver([200], '/registry');
      state.ownHook = await startReceiver([200], '/own');
      if (database === 'postgres') schema = await postgresSchema(String(process.env.IDV_TEST_PG_URL));
      const env = {
        IDV_DATA_DIR: dataDir,
        IDV_POLL_MS: '100',
        IDV_ALLOW_LOOPBACK_CALLBACKS: '1',
        ...(schema ? { IDV_DATABASE_URL: schema.databaseUrl } : {}),
      };
      const cli = await runCli(
        ['client', 'create', '--name', 'KYC shop', '--allowed-origin', ORIGIN, '--json'],
        env,
      );
      assert.equal(cli.code, 0, cli.stderr);
      state.client = JSON.parse(cli.stdout);
      server = await spawnServer(env);
      state.url = server.url;
    });
    after(async () => {
      await server?.stop();
      await schema?.drop();
      await state.registry?.close();
      await state.ownHook?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    for (const [name, step] of STEPS) it(name, () => step(state));
  });
}
