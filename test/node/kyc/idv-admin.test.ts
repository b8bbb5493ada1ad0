/**
 * IDV admin operations of the KYC API (issue #16) on the engine's rows: a session created here is a workflow
 * execution (retrieval reads it), an execution created through the workflow API is a session here; list filters and
 * per-status counts; the request address without any lookup; anonymize and delete; isolation between clients.
 * No image processing here (the full flow is sdk-steps.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readSessionTests } from '../../../src/server/kyc/session-files.js';
import type { KycSession } from '../../../src/server/kyc/session-schemas.js';
import { sanctionsOf } from '../../../src/server/kyc/sessions.js';
import { kycDb } from '../../../src/server/kyc/tables.js';
import { testDatabases } from '../../support/databases.js';
import {
  accountBody,
  createAccount,
  createTestClient,
  openTestApp,
  type TestApp,
  widgetAuth,
} from '../../support/server.js';
import { admin, type CreatedSession, createSession, type ErrorBody, sdk } from './kyc-client.js';

type ListAnswer = {
  items: Array<{ session_id: string; status: string; user_id: string | null }>;
  total: number;
  take: number;
  skip: number;
  meta_counts: Record<string, number>;
};

for (const target of testDatabases()) {
  describe(`KYC IDV admin (${target.name})`, () => {
    let app: TestApp;
    before(async () => {
      app = await openTestApp(target, { config: { trustProxy: true } });
    });
    after(() => app.close());

    const execution = (id: string) =>
      app.idv.ctx.db
        .selectFrom('workflow_executions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();

    it('creates a session that is a workflow execution, with its KYC row and settings', async () => {
      const client = await createTestClient(app);
      const session = await createSession(app, client, {
        user_id: 'user-1',
        metadata: { order: 'A-1' },
        webhook_url: 'https://shop.example/kyc-events',
        settings: {
          document_types: ['passport', 'passport_card'],
          countries: ['USA'],
          screening: true,
          locale: 'de',
        },
        customer_reference: 'order-1',
      });
      assert.equal(session.kind, 'idv');
      assert.equal(session.status, 'created');
      assert.equal(session.client_id, client.id);
      assert.match(session.session_token, /^idv_wt_/);
      assert.equal(new URL(session.url).origin, 'http://idv.test');
      assert.equal(Date.parse(session.expires_at) - app.clock.now().getTime(), 30 * 60 * 1000);

      const row = await execution(session.session_id);
      assert.deepEqual(
        [row.definition_key, row.user_reference, row.callback_url, row.locale],
        [10013, 'user-1', 'https://shop.example/kyc-events', 'de'],
      );
      const id = await app.idv.ctx.db
        .selectFrom('credentials')
        .select(['allowed_types', 'allowed_countries'])
        .where('execution_id', '=', session.session_id)
        .where('category', '=', 'ID')
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [JSON.parse(id.allowed_types ?? 'null'), JSON.parse(id.allowed_countries ?? 'null')],
        [['PASSPORT', 'ID_CARD'], ['USA']],
      );
      const kyc = await kycDb(app.idv.ctx)
        .selectFrom('kyc_sessions')
        .selectAll()
        .where('execution_id', '=', session.session_id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [kyc.kind, kyc.client_id, kyc.user_id, kyc.metadata],
        ['idv', client.id, 'user-1', '{"order":"A-1"}'],
      );

      // The workflow API's retrieval reads the same execution.
      const retrieved = await app.request(
        `/api/v1/accounts/${row.account_id}/workflow-executions/${row.id}`,
        {
          headers: client.auth,
        },
      );
      assert.equal(retrieved.status, 200);
      const details = (await retrieved.json()) as {
        workflow: { id: string; status: string; userReference: string };
      };
      assert.deepEqual(
        [details.workflow.id, details.workflow.status, details.workflow.userReference],
        [session.session_id, 'INITIATED', 'user-1'],
      );

      const read = await admin<KycSession>(app, client, '/idv/session/read', {
        session_id: session.session_id,
      });
      assert.equal(read.status, 200);
      assert.deepEqual(
        [read.body.status, read.body.verified, read.body.on_sanction_list, read.body.on_sanction_list_reason],
        ['created', null, null, 'NOT_PROCESSED_YET'],
      );
      assert.deepEqual(read.body.metadata, { order: 'A-1' });
      assert.deepEqual(read.body.history, [{ event: 'created', at: read.body.created_at }]);
      const tests = await admin(app, client, '/idv/session/test/read', { session_id: session.session_id });
      assert.deepEqual(tests.body, { session_id: session.session_id, tests: {} }, 'nothing performed yet');
      const document = await admin<Record<string, unknown>>(app, client, '/idv/session/document/read', {
        session_id: session.session_id,
      });
      assert.deepEqual(
        [document.body.first_name, document.body.document_number, document.body.fields],
        [null, null, {}],
      );
    });

    it('reads and lists an execution created through the workflow API as an IDV session', async () => {
      const client = await createTestClient(app);
      const created = await createAccount(app, client, accountBody());
      const sessionId = created.workflowExecution.id;
      const read = await admin<KycSession>(app, client, '/idv/session/read', { session_id: sessionId });
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.deepEqual(
        [read.body.status, read.body.user_id, read.body.metadata, read.body.on_sanction_list_reason],
        ['created', 'user-42', null, 'SCREENING_NOT_REQUESTED'],
      );
      const consent = await app.request('/api/v1/session/consent', {
        method: 'POST',
        headers: { ...widgetAuth(created), 'content-type': 'application/json' },
        body: JSON.stringify({ accepted: true }),
      });
      assert.equal(consent.status, 200);
      const afterConsent = await admin<KycSession>(app, client, '/idv/session/read', {
        session_id: sessionId,
      });
      assert.equal(afterConsent.body.status, 'in_progress');
      assert.ok(afterConsent.body.consent_given_at);
      const listed = await admin<ListAnswer>(app, client, '/idv/session/list', {});
      assert.deepEqual(
        listed.body.items.map((i) => [i.session_id, i.status]),
        [[sessionId, 'in_progress']],
      );
      // Its SDK steps take the workflow token as the session token.
      const steps = await sdk<{ steps: Record<string, string> }>(
        app,
        { session_id: sessionId, session_token: created.sdk.token, client_id: client.id } as CreatedSession,
        '/session/read',
      );
      assert.equal(steps.status, 200);
      assert.equal(steps.body.steps.consent, 'done');
    });

    it('lists with filters, paging and per-status counts', async () => {
      const client = await createTestClient(app);
      const s1 = await createSession(app, client, {
        user_id: 'user-A',
        metadata: { team: 'red', n: 3, vip: true },
      });
      app.clock.advance(1000);
      const s2 = await createSession(app, client, { user_id: 'User-B', metadata: { team: 'blue' } });
      app.clock.advance(1000);
      const s3 = await createSession(app, client, { user_id: 'user-A' });
      assert.equal((await sdk(app, s3, '/consent', { consent: true })).status, 200);
      const list = async (body: Record<string, unknown>) => {
        const answer = await admin<ListAnswer>(app, client, '/idv/session/list', body);
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        return answer.body;
      };
      const ids = (answer: ListAnswer) => answer.items.map((i) => i.session_id);

      const all = await list({});
      assert.deepEqual(ids(all), [s3.session_id, s2.session_id, s1.session_id], 'newest first');
      assert.deepEqual([all.total, all.take, all.skip], [3, 20, 0]);
      assert.deepEqual(all.meta_counts, {
        created: 2,
        in_progress: 1,
        processing: 0,
        completed: 0,
        expired: 0,
        anonymized: 0,
        verified: 0,
        not_verified: 0,
      });
      assert.deepEqual(ids(await list({ user_id: 'user-A' })), [s3.session_id, s1.session_id]);
      assert.deepEqual(ids(await list({ metadata: { team: 'red' } })), [s1.session_id]);
      assert.deepEqual(ids(await list({ metadata: { n: 3, vip: true } })), [s1.session_id]);
      assert.deepEqual(ids(await list({ metadata: { team: 'red', n: 4 } })), []);
      const inProgress = await list({ status: 'in_progress' });
      assert.deepEqual([ids(inProgress), inProgress.total], [[s3.session_id], 1]);
      assert.equal(inProgress.meta_counts.created, 2, 'counts are over the filters but every status');
      assert.deepEqual(ids(await list({ search_term: s2.session_id })), [s2.session_id]);
      assert.deepEqual(ids(await list({ search_term: 'user-b' })), [s2.session_id]);
      assert.deepEqual(ids(await list({ search_term: '%' })), [], 'LIKE wildcards match themselves');
      const created1 = (await execution(s1.session_id)).created_at;
      assert.deepEqual(ids(await list({ date_from: new Date(Date.parse(created1) + 1).toISOString() })), [
        s3.session_id,
        s2.session_id,
      ]);
      assert.deepEqual(ids(await list({ date_to: created1 })), [s1.session_id]);
      const sameInstantElsewhere = new Date(Date.parse(created1) + 3_600_000)
        .toISOString()
        .replace('Z', '+01:00');
      assert.deepEqual(
        ids(await list({ date_to: sameInstantElsewhere })),
        [s1.session_id],
        'offsets are instants',
      );
      const page = await list({ take: 1, skip: 1 });
      assert.deepEqual([ids(page), page.total], [[s2.session_id], 3]);
      assert.deepEqual(ids(await list({ client_id: client.id })).length, 3);

      const other = await admin<ErrorBody>(app, client, '/idv/session/list', { client_id: 'another-client' });
      assert.deepEqual([other.status, other.body.error.code], [403, 'CLIENT_MISMATCH']);
      const tooMany = await admin<ErrorBody>(app, client, '/idv/session/list', { take: 101 });
      assert.deepEqual([tooMany.status, tooMany.body.error.code], [422, 'VALIDATION_FAILED']);
      const unknown = await admin<ErrorBody>(app, client, '/idv/session/list', { page: 2 });
      assert.deepEqual([unknown.status, unknown.body.error.code], [400, 'UNKNOWN_FIELD']);
    });

    it('reads the request address without any lookup, anonymizes and deletes', async () => {
      const client = await createTestClient(app);
      const v4 = await createSession(
        app,
        client,
        { metadata: { email: 'a@b.example' } },
        { 'x-forwarded-for': '93.184.215.14' },
      );
      const v6 = await createSession(app, client, {}, { 'x-forwarded-for': '::1' });
      const location = async (session: CreatedSession) =>
        (
          await admin<Record<string, unknown>>(app, client, '/idv/session/location/read', {
            session_id: session.session_id,
          })
        ).body;
      const public4 = await location(v4);
      assert.deepEqual(
        [
          public4.ip_address,
          public4.ip_version,
          public4.is_private,
          public4.country_code,
          public4.unavailable_reason,
        ],
        ['93.184.215.14', 4, false, null, 'NO_GEOIP_DATABASE'],
      );
      const loopback6 = await location(v6);
      assert.deepEqual([loopback6.ip_version, loopback6.is_private], [6, true]);

      const anonymized = await admin<{ anonymized_at: string }>(app, client, '/idv/session/anonymize', {
        session_id: v4.session_id,
      });
      assert.equal(anonymized.status, 200);
      assert.equal(anonymized.body.anonymized_at, app.clock.now().toISOString());
      const read = await admin<KycSession>(app, client, '/idv/session/read', { session_id: v4.session_id });
      assert.deepEqual([read.body.status, read.body.metadata], ['anonymized', null]);
      assert.equal(read.body.history.at(-1)?.event, 'anonymized');
      assert.equal((await location(v4)).ip_address, null);
      const kyc = await kycDb(app.idv.ctx)
        .selectFrom('kyc_sessions')
        .selectAll()
        .where('execution_id', '=', v4.session_id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([kyc.metadata, kyc.request_ip, kyc.image_locations], [null, null, null]);
      const dead = await sdk<ErrorBody>(app, v4, '/session/read');
      assert.equal(dead.status, 401, 'the session token dies with the PII');
      const listed = await admin<ListAnswer>(app, client, '/idv/session/list', { status: 'anonymized' });
      assert.deepEqual(
        listed.body.items.map((i) => i.session_id),
        [v4.session_id],
      );

      const deleted = await admin(app, client, '/idv/session/delete', { session_id: v6.session_id });
      assert.deepEqual(deleted.body, { session_id: v6.session_id, deleted: true });
      for (const path of [
        '/read',
        '/anonymize',
        '/delete',
        '/location/read',
        '/document/list',
        '/test/read',
      ]) {
        const answer = await admin<ErrorBody>(app, client, `/idv/session${path}`, {
          session_id: v6.session_id,
        });
        assert.equal(answer.status, 404, path);
      }
      const remaining = await admin<ListAnswer>(app, client, '/idv/session/list', {});
      assert.deepEqual(
        remaining.body.items.map((i) => i.session_id),
        [v4.session_id],
      );
      // The execution stays for the workflow API's audit trail, its PII gone.
      assert.ok((await execution(v6.session_id)).wiped_out_at);
    });

    it('reports an unused session as expired once its token lifetime is over', async () => {
      const client = await createTestClient(app);
      const session = await createSession(app, client);
      app.clock.advance(31 * 60 * 1000);
      await app.idv.runDueWork();
      const read = await admin<KycSession>(app, client, '/idv/session/read', {
        session_id: session.session_id,
      });
      assert.equal(read.body.status, 'expired');
      const listed = await admin<ListAnswer>(app, client, '/idv/session/list', { status: 'expired' });
      assert.deepEqual(
        [
          listed.body.items.map((i) => i.session_id),
          listed.body.meta_counts.expired,
          listed.body.meta_counts.created,
        ],
        [[session.session_id], 1, 0],
      );
      const step = await sdk<ErrorBody>(app, session, '/session/read');
      assert.deepEqual([step.status, step.body.error.code], [401, 'TOKEN_EXPIRED']);
    });

    it('keeps clients apart and refuses bad bodies with their own codes', async () => {
      const owner = await createTestClient(app);
      const stranger = await createTestClient(app, ['https://other.example'], 'Other shop');
      const session = await createSession(app, owner);
      for (const path of [
        '/read',
        '/anonymize',
        '/delete',
        '/location/read',
        '/document/read',
        '/document/list',
        '/test/read',
      ]) {
        const answer = await admin<ErrorBody>(app, stranger, `/idv/session${path}`, {
          session_id: session.session_id,
        });
        assert.deepEqual([answer.status, answer.body.error.code], [404, 'NOT_FOUND'], path);
      }
      const download = await admin<ErrorBody>(app, stranger, '/idv/session/document/download', {
        session_id: session.session_id,
        file_id: 'x',
      });
      assert.equal(download.status, 404);
      const strangerList = await admin<ListAnswer>(app, stranger, '/idv/session/list', {});
      assert.equal(strangerList.body.total, 0);
      // The session is untouched by the stranger's attempts.
      assert.equal(
        (await admin<KycSession>(app, owner, '/idv/session/read', { session_id: session.session_id })).body
          .status,
        'created',
      );

      const bad = async (body: unknown, status: number, code: string) => {
        const answer = await admin<ErrorBody>(app, owner, '/idv/session/create', body);
        assert.deepEqual([answer.status, answer.body.error.code], [status, code], JSON.stringify(body));
      };
      await bad({ extra: true }, 400, 'UNKNOWN_FIELD');
      await bad({ liveness_mode: 'active' }, 422, 'VALIDATION_FAILED');
      await bad({ settings: { document_types: ['unknown'] } }, 422, 'VALIDATION_FAILED');
      await bad({ webhook_url: 'http://shop.example/hook' }, 422, 'INSECURE_URL');
      await bad({ identity_id: 'no-such-identity' }, 404, 'NOT_FOUND');
      const noAuth = await app.request('/kyc/v2/idv/session/create', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(noAuth.status, 401);
      const notJson = await app.request('/kyc/v2/idv/session/read', {
        method: 'POST',
        headers: { ...owner.auth, 'content-type': 'application/json' },
        body: '{',
      });
      assert.equal(notJson.status, 400);
    });
  });
}

describe('on_sanction_list and the tests it shows, from the screening result', () => {
  const screened = (type: string, label: string) => ({
    definition_key: 10013,
    decision: JSON.stringify({ type: 'WARNING', details: { label }, risk: { score: 50 } }),
    capabilities: JSON.stringify({
      watchlistScreening: [{ id: 'r', credentials: [], decision: { type, details: { label } } }],
    }),
  });
  it('is null with a reason unless a screening ran, never false pretending one did', () => {
    assert.deepEqual(sanctionsOf({ definition_key: 10011, decision: null, capabilities: null }), {
      on_sanction_list: null,
      on_sanction_list_reason: 'SCREENING_NOT_REQUESTED',
    });
    assert.deepEqual(sanctionsOf({ definition_key: 10013, decision: null, capabilities: null }), {
      on_sanction_list: null,
      on_sanction_list_reason: 'NOT_PROCESSED_YET',
    });
    assert.deepEqual(sanctionsOf(screened('NOT_EXECUTED', 'NO_LIST_CONFIGURED')), {
      on_sanction_list: null,
      on_sanction_list_reason: 'NO_SANCTIONS_LIST_CONFIGURED',
    });
    assert.deepEqual(sanctionsOf(screened('PASSED', 'OK')), {
      on_sanction_list: false,
      on_sanction_list_reason: null,
    });
    assert.deepEqual(sanctionsOf(screened('WARNING', 'ALERT')), {
      on_sanction_list: true,
      on_sanction_list_reason: 'ALERT',
    });
  });
  it('reports the screening as the sanctions test only when it is part of the decision', () => {
    const row = { id: 's', ...screened('NOT_EXECUTED', 'NO_LIST_CONFIGURED') } as Parameters<
      typeof readSessionTests
    >[0];
    assert.deepEqual(readSessionTests(row).tests, {
      sanctions: { result: 'not_executed', label: 'NO_LIST_CONFIGURED' },
    });
  });
});
