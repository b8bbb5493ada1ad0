/**
 * The documented flow through the generated typed client (src/client, from the server's own OpenAPI document)
 * against a real `idv-server` process: token → account creation (10011) → consent and document choice → FRONT /
 * BACK / FACE uploads (generated specimen documents and the generated selfie fixture) → finalize → processing →
 * details and status → the ID-proofing search finds the execution (each operator) → steps, rules, the part image at
 * the documented path → the PDF report through its signed link → fraud feedback and the processed list → a 10013
 * account with the user's consent (ID, SELFIE, FACEMAP; an upload with a credential's api token answered with the
 * envelope) → PII deletion per execution and per account. SQLite, and PostgreSQL when IDV_TEST_PG_URL is set (a
 * fresh schema for the run).
 *
 * The flow is a list of named steps sharing one state object, each its own test in order: a new documented call
 * (steps, rules, PDF, feedback …) is one more entry in STEPS.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeWidgetFixtures, WIDGET_FIXTURES_DIR } from '../../scripts/make-widget-fixtures.js';
import { bearer, createIdvClient, fetchAccessToken, type IdvClient } from '../../src/client/index.js';
import type { components } from '../../src/client/api-types.js';
import { postgresSchema } from '../support/databases.js';
import { createClientWithCli, type ServerProcess, spawnServer } from '../support/server.js';
import { idCardBack, idCardFront, photographDocument, specimenHolder } from '../support/specimens/index.js';

type CreateAccountResponse = components['schemas']['CreateAccountResponse'];
const ORIGIN = 'https://shop.example';

interface FlowState {
  url: string;
  credentials: { clientId: string; clientSecret: string };
  api: IdvClient;
  reference: string;
  created?: CreateAccountResponse;
  images?: { front: Buffer; back: Buffer; face: Buffer };
  /** The 10013 execution created through the API channel. */
  second?: { accountId: string; workflowExecutionId: string };
}

/** The part of the created execution the widget token drives: `{accountId, workflowExecutionId}` + auth header. */
function widget(state: FlowState) {
  const created = state.created;
  assert.ok(created, 'account created first');
  return {
    ids: { accountId: created.account.id, workflowExecutionId: created.workflowExecution.id },
    headers: { authorization: `Bearer ${created.sdk.token}` },
    created,
  };
}

function credential(created: CreateAccountResponse, category: 'ID' | 'SELFIE') {
  const found = created.workflowExecution.credentials.find((c) => c.category === category);
  assert.ok(found, `${category} credential`);
  return found;
}

function imageForm(bytes: Buffer, name: string): FormData {
  const form = new FormData();
  const png = bytes[0] === 0x89;
  form.append(
    'file',
    new Blob([new Uint8Array(bytes)], { type: png ? 'image/png' : 'image/jpeg' }),
    `${name}.${png ? 'png' : 'jpg'}`,
  );
  return form;
}

/** The ID credential's FRONT image at the Retrieval document's path (OAuth Bearer). */
function frontPart(state: FlowState) {
  const { ids, created } = widget(state);
  return state.api.GET('/api/v1/accounts/{accountId}/credentials/{credentialId}/parts/{classifier}', {
    params: {
      path: { accountId: ids.accountId, credentialId: credential(created, 'ID').id, classifier: 'FRONT' },
    },
    parseAs: 'arrayBuffer',
  });
}

const STEPS: Array<[string, (state: FlowState) => Promise<void>]> = [
  [
    'token: client credentials → Bearer',
    async (state) => {
      const token = await fetchAccessToken(
        state.api,
        state.credentials.clientId,
        state.credentials.clientSecret,
      );
      assert.match(token, /^idv_at_/);
      state.api.use(bearer(token));
    },
  ],
  [
    'account creation (10011)',
    async (state) => {
      const { data, response } = await state.api.POST('/api/v1/accounts', {
        body: {
          customerInternalReference: state.reference,
          userReference: 'client-flow-user',
          workflowDefinition: {
            key: 10011,
            credentials: [
              { category: 'ID', type: { values: ['ID_CARD'] }, country: { values: ['DEU'] } },
              { category: 'SELFIE' },
            ],
          },
          web: { successUrl: `${ORIGIN}/done`, errorUrl: `${ORIGIN}/failed`, locale: 'en' },
        },
      });
      assert.equal(response.status, 201);
      assert.ok(data);
      assert.equal(data.workflowExecution.credentials.length >= 2, true);
      assert.match(data.web.href, /\/web\/v1\/app\?/);
      state.created = data;
    },
  ],
  [
    'consent and document choice (widget token)',
    async (state) => {
      const { headers } = widget(state);
      const consent = await state.api.POST('/api/v1/session/consent', {
        headers,
        body: { accepted: true, version: '2026-01' },
      });
      assert.equal(consent.response.status, 200);
      const document = await state.api.PUT('/api/v1/session/document', {
        headers,
        body: { type: 'ID_CARD', country: 'DEU' },
      });
      assert.equal(document.response.status, 200);
    },
  ],
  [
    'upload FRONT, BACK and FACE',
    async (state) => {
      const { ids, headers, created } = widget(state);
      const images = state.images;
      assert.ok(images);
      const uploads: Array<['ID' | 'SELFIE', 'FRONT' | 'BACK' | 'FACE', Buffer]> = [
        ['ID', 'FRONT', images.front],
        ['ID', 'BACK', images.back],
        ['SELFIE', 'FACE', images.face],
      ];
      for (const [category, classifier, bytes] of uploads) {
        const { response, error } = await state.api.POST(
          '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/parts/{classifier}',
          {
            params: { path: { ...ids, credentialId: credential(created, category).id, classifier } },
            headers,
            // biome-ignore lint/suspicious/noExplicitAny: multipart body; the document types it as an object of a file
            body: imageForm(bytes, classifier) as any,
            bodySerializer: (body) => body as unknown as FormData,
          },
        );
        assert.equal(response.status, 201, `${classifier}: ${JSON.stringify(error)}`);
      }
    },
  ],
  [
    'finalize',
    async (state) => {
      const { ids, headers } = widget(state);
      const { response, error } = await state.api.PUT(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
        { params: { path: ids }, headers },
      );
      assert.equal(response.status, 200, JSON.stringify(error));
    },
  ],
  [
    'status until PROCESSED, then details',
    async (state) => {
      const { ids } = widget(state);
      for (;;) {
        const { data } = await state.api.GET(
          '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/status',
          { params: { path: ids } },
        );
        assert.ok(data);
        assert.equal(data.workflowExecution.id, ids.workflowExecutionId);
        if (data.workflowExecution.status === 'PROCESSED') break;
        assert.ok(
          ['ACQUIRED', 'INITIATED'].includes(data.workflowExecution.status),
          data.workflowExecution.status,
        );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const { data: details } = await state.api.GET(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
        { params: { path: ids } },
      );
      assert.ok(details);
      assert.equal(details.workflow.status, 'PROCESSED');
      assert.equal(details.workflow.customerInternalReference, state.reference);
      assert.ok(details.decision, 'a decision');
      assert.deepEqual(details.credentials.flatMap((c) => c.parts.map((p) => p.classifier)).sort(), [
        'BACK',
        'FACE',
        'FRONT',
      ]);
    },
  ],
  [
    'ID-proofing search finds it',
    async (state) => {
      const { ids } = widget(state);
      const byId = await state.api.POST('/api/web/v1/idproofing', {
        body: {
          searchByAttributes: [
            { attribute: 'workflowExecutionId', operator: 'EQUALS', values: [ids.workflowExecutionId] },
          ],
        },
      });
      assert.equal(byId.response.status, 200, JSON.stringify(byId.error));
      assert.equal(byId.data?.count, 1);
      const result = byId.data?.results[0];
      assert.ok(result);
      assert.equal(result.accountId, ids.accountId);
      assert.equal(result.status, 'PROCESSED');
      assert.equal(result.customerInternalReference, state.reference);
      assert.equal(result.deviceCheckResult, 'NONE');
      assert.equal(result.documentClassified, true);
      assert.ok(
        result.decision && ['PASSED', 'REJECTED', 'WARNING', 'NOT_EXECUTED'].includes(result.decision),
      );
      assert.ok(result.faceMatchScore === null || Number.isInteger(result.faceMatchScore));
      for (const time of [result.frontUploadedAt, result.backUploadedAt, result.faceUploadedAt])
        assert.match(String(time), /^\d{4}-\d{2}-\d{2}T/);
      // The same execution by a reference prefix and a time range, projected to two fields.
      const byReference = await state.api.POST('/api/web/v1/idproofing', {
        body: {
          searchByAttributes: [
            {
              attribute: 'customerInternalReference',
              operator: 'STARTS_WITH',
              values: [state.reference.slice(0, 12)],
            },
            { attribute: 'completedAt', operator: 'GREATER_THAN', values: ['2020-01-01T00:00:00Z'] },
          ],
          attributes: ['status'],
          limit: 5,
        },
      });
      assert.deepEqual(byReference.data?.results, [
        { workflowExecutionId: ids.workflowExecutionId, status: 'PROCESSED' },
      ]);
      // Each operator, next to the reference that singles the execution out, finds it.
      type Condition = components['schemas']['IdProofingSearchCondition'];
      const each: Condition[] = [
        { attribute: 'workflowExecutionId', operator: 'EQUALS', values: [ids.workflowExecutionId] },
        { attribute: 'status', operator: 'NOT_EQUALS', values: ['INITIATED'] },
        { attribute: 'status', operator: 'IN', values: ['PROCESSED', 'ACQUIRED'] },
        { attribute: 'status', operator: 'NOT_IN', values: ['INITIATED', 'WIPED_OUT'] },
        { attribute: 'completedAt', operator: 'GREATER_THAN', values: ['2020-01-01'] },
        { attribute: 'createdAt', operator: 'GREATER_THAN_OR_EQUAL', values: ['2020-01-01T00:00:00Z'] },
        { attribute: 'createdAt', operator: 'LESS_THAN', values: ['2100-01-01'] },
        { attribute: 'completedAt', operator: 'LESS_THAN_OR_EQUAL', values: ['2100-01-01'] },
        { attribute: 'createdAt', operator: 'BETWEEN', values: ['2020-01-01', '2100-01-01'] },
        { attribute: 'accountId', operator: 'STARTS_WITH', values: [ids.accountId.slice(0, 8)] },
      ];
      for (const condition of each) {
        const { data, error } = await state.api.POST('/api/web/v1/idproofing', {
          body: {
            searchByAttributes: [
              { attribute: 'customerInternalReference', operator: 'EQUALS', values: [state.reference] },
              condition,
            ],
            attributes: ['status'],
          },
        });
        assert.deepEqual(
          data?.results.map((r) => r.workflowExecutionId),
          [ids.workflowExecutionId],
          `${condition.operator}: ${JSON.stringify(error)}`,
        );
      }
      const bad = await state.api.POST('/api/web/v1/idproofing', {
        body: { limit: 5, cursor: 'not-a-cursor' },
      });
      assert.equal(bad.response.status, 400);
      assert.equal(bad.error?.error.code, 'BAD_REQUEST');
    },
  ],
  [
    'steps, rules and the part image at the documented path',
    async (state) => {
      const { ids } = widget(state);
      const steps = await state.api.GET(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/steps',
        { params: { path: ids } },
      );
      assert.equal(steps.response.status, 200, JSON.stringify(steps.error));
      const names = steps.data?.steps.map((step) => step.name) ?? [];
      for (const name of ['CREATED', 'PROCESSED']) assert.ok(names.includes(name as never), names.join());
      const rules = await state.api.GET(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/rules',
        { params: { path: ids } },
      );
      assert.equal(rules.response.status, 200, JSON.stringify(rules.error));
      const capabilities = new Set(rules.data?.rules.map((rule) => rule.capability));
      for (const capability of ['imageChecks', 'extraction', 'similarity'])
        assert.ok(capabilities.has(capability), [...capabilities].join());
      const front = await frontPart(state);
      assert.equal(front.response.status, 200);
      assert.match(String(front.response.headers.get('content-type')), /^image\/(jpeg|png)/);
      assert.ok((front.data as ArrayBuffer).byteLength > 1000);
    },
  ],
  [
    'PDF report through its signed link',
    async (state) => {
      const { ids } = widget(state);
      const link = await state.api.GET(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/report',
        { params: { path: ids } },
      );
      assert.equal(link.response.status, 200, JSON.stringify(link.error));
      assert.ok(link.data);
      assert.ok(link.data.presignedUrl.startsWith(state.url), link.data.presignedUrl);
      // The link is the credential: no Authorization header.
      const pdf = await fetch(link.data.presignedUrl);
      assert.equal(pdf.status, 200);
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      assert.equal(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString('latin1'),
        '%PDF-',
      );
      const tampered = await fetch(link.data.presignedUrl.replace(/signature=[^&]{4}/, 'signature=AAAA'));
      assert.equal(tampered.status, 403);
    },
  ],
  [
    'fraud feedback, then the processed list shows the execution',
    async (state) => {
      const { ids } = widget(state);
      const feedback = await state.api.PUT(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/feedback',
        { params: { path: ids }, body: { status: 'FRAUD', reason: 'FAKE_DOCUMENT' } },
      );
      assert.ok(feedback.response.status < 300, JSON.stringify(feedback.error));
      const { data: details } = await state.api.GET(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
        { params: { path: ids } },
      );
      assert.equal(details?.feedback?.status, 'FRAUD');
      assert.equal(details?.feedback?.reason, 'FAKE_DOCUMENT');
      const missingReason = await state.api.PUT(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/feedback',
        { params: { path: ids }, body: { status: 'FRAUD' } },
      );
      assert.ok([400, 422].includes(missingReason.response.status), String(missingReason.response.status));
      const list = await state.api.GET('/api/v1/workflow-executions', {
        params: { query: { size: 10, page: 1 } },
      });
      assert.equal(list.response.status, 200, JSON.stringify(list.error));
      assert.ok(list.data?.workflowExecutions.some((e) => e.id === ids.workflowExecutionId));
      const tooBig = await state.api.GET('/api/v1/workflow-executions', { params: { query: { size: 101 } } });
      assert.ok([400, 422].includes(tooBig.response.status), String(tooBig.response.status));
    },
  ],
  [
    'account creation (10013) with the user consent: ID, SELFIE and FACEMAP, one api token per credential',
    async (state) => {
      const { data, response, error } = await state.api.POST('/api/v1/accounts', {
        body: {
          customerInternalReference: `${state.reference}-10013`,
          workflowDefinition: { key: 10013 },
          userConsent: {
            userIp: '203.0.113.7',
            userLocation: { country: 'DEU' },
            consent: { obtained: 'yes', obtainedAt: new Date().toISOString() },
          },
        },
      });
      assert.equal(response.status, 201, JSON.stringify(error));
      assert.ok(data);
      const byCategory = new Map(data.workflowExecution.credentials.map((c) => [c.category, c]));
      assert.deepEqual([...byCategory.keys()].sort(), ['FACEMAP', 'ID', 'SELFIE']);
      assert.deepEqual([...(byCategory.get('FACEMAP')?.allowedChannels ?? [])].sort(), ['SDK', 'WEB']);
      assert.equal(byCategory.get('FACEMAP')?.api, undefined);
      const tokens = ['ID', 'SELFIE'].map((c) => byCategory.get(c as 'ID')?.api?.token);
      const webToken = new URL(data.web.href).searchParams.get('token');
      assert.equal(new Set([...tokens, data.sdk.token, webToken]).size, 4, 'four distinct tokens');
      // The ID credential's api token uploads that credential's part, answered with the documented envelope.
      const id = byCategory.get('ID');
      assert.ok(id?.api && state.images);
      const upload = await state.api.POST(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/credentials/{credentialId}/parts/{classifier}',
        {
          params: {
            path: {
              accountId: data.account.id,
              workflowExecutionId: data.workflowExecution.id,
              credentialId: id.id,
              classifier: 'FRONT',
            },
          },
          headers: { authorization: `Bearer ${id.api.token}` },
          // biome-ignore lint/suspicious/noExplicitAny: multipart body; the document types it as an object of a file
          body: imageForm(state.images.front, 'FRONT') as any,
          bodySerializer: (body) => body as unknown as FormData,
        },
      );
      assert.equal(upload.response.status, 200, JSON.stringify(upload.error));
      const envelope = upload.data as Record<string, { id?: string } | string | undefined>;
      assert.equal((envelope.account as { id: string }).id, data.account.id);
      assert.equal((envelope.credential as { id: string }).id, id.id);
      assert.match(String(envelope.timestamp), /^\d{4}-\d{2}-\d{2}T/);
      // Its consent is returned in retrieval.
      const details = await state.api.GET(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
        { params: { path: { accountId: data.account.id, workflowExecutionId: data.workflowExecution.id } } },
      );
      assert.equal(details.data?.consent?.userConsent?.consent.obtained, 'yes');
      state.second = { accountId: data.account.id, workflowExecutionId: data.workflowExecution.id };
    },
  ],
  [
    'PII deletion: per execution, then per account',
    async (state) => {
      const { ids, created } = widget(state);
      const deleted = await state.api.DELETE(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}',
        { params: { path: ids } },
      );
      assert.equal(deleted.response.status, 204);
      const { data: after } = await state.api.GET(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/status',
        { params: { path: ids } },
      );
      assert.equal(after?.workflowExecution.status, 'WIPED_OUT');
      const part = await frontPart(state);
      assert.equal(part.response.status, 404);
      // The widget token died with the PII.
      const session = await fetch(`${state.url}/api/v1/session`, {
        headers: { authorization: `Bearer ${created.sdk.token}` },
      });
      assert.equal(session.status, 401);
      assert.ok(state.second);
      const account = await state.api.DELETE('/api/v1/accounts/{accountId}', {
        params: { path: { accountId: state.second.accountId } },
      });
      assert.equal(account.response.status, 204);
      const { data: second } = await state.api.GET(
        '/api/v1/accounts/{accountId}/workflow-executions/{workflowExecutionId}/status',
        { params: { path: state.second } },
      );
      assert.equal(second?.workflowExecution.status, 'WIPED_OUT');
    },
  ],
];

const databases: Array<'sqlite' | 'postgres'> = [
  'sqlite',
  ...(process.env.IDV_TEST_PG_URL ? (['postgres'] as const) : []),
];

for (const database of databases) {
  describe(`the documented flow through the generated client (${database})`, { timeout: 300_000 }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'idv-client-flow-'));
    let server: ServerProcess | undefined;
    let schema: Awaited<ReturnType<typeof postgresSchema>> | undefined;
    const state = {} as FlowState;

    before(async () => {
      await makeWidgetFixtures();
      const holder = specimenHolder(31);
      state.images = {
        front: photographDocument(await idCardFront({ seed: 31, holder }), { seed: 31, rotationDeg: 2 }),
        back: photographDocument(await idCardBack({ seed: 31, holder }), { seed: 32, rotationDeg: -2 }),
        face: readFileSync(join(WIDGET_FIXTURES_DIR, 'face-1280.png')),
      };
      if (database === 'postgres') schema = await postgresSchema(String(process.env.IDV_TEST_PG_URL));
      const env = {
        IDV_DATA_DIR: dataDir,
        IDV_POLL_MS: '100',
        ...(schema ? { IDV_DATABASE_URL: schema.databaseUrl } : {}),
      };
      state.credentials = await createClientWithCli(env, 'Client flow shop', ORIGIN);
      server = await spawnServer(env);
      state.url = server.url;
      state.api = createIdvClient(server.url);
      state.reference = `client-flow-${randomBytes(4).toString('hex')}`;
    });
    after(async () => {
      await server?.stop();
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    for (const [name, step] of STEPS) it(name, () => step(state));
  });
}
