/**
 * KYC identities (issue #16): a PASSED IDV session (real pipeline: generated passport, the astronaut's selfie and
 * liveness burst) creates a verified identity with the holder's names and a face template; the identity operations
 * (list, read, read many, completed document, image, anonymize) answer for the client's own identities only; PII
 * deletion of the session anonymizes the identity derived from it; a session that does not pass creates no verified
 * identity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeLivenessFixtures } from '../../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures } from '../../../scripts/make-widget-fixtures.js';
import { recordIdentityFromSession } from '../../../src/server/kyc/identities.js';
import { kycDb } from '../../../src/server/kyc/tables.js';
import { testDatabases } from '../../support/databases.js';
import {
  createAccount,
  createTestClient,
  makeJpeg,
  openTestApp,
  pathOf,
  type TestApp,
  type TestClient,
} from '../../support/server.js';
import { insertIdvSession, type Json, kycCall, runIdvSession } from './kyc-flow.js';

for (const target of testDatabases()) {
  describe(`KYC identities (${target.name})`, { timeout: 600_000 }, () => {
    let app: TestApp;
    let client: TestClient;
    let otherClient: TestClient;
    let identityId: string;
    let sessionId: string;
    let holder: Awaited<ReturnType<typeof runIdvSession>>['holder'];
    let accountPath: string;

    before(async () => {
      await Promise.all([makeLivenessFixtures(), makeWidgetFixtures()]);
      app = await openTestApp(target);
      client = await createTestClient(app);
      otherClient = await createTestClient(app, ['https://other.example'], 'Other shop');
      const run = await runIdvSession(app, client, 'user-7');
      holder = run.holder;
      sessionId = run.created.workflowExecution.id;
      accountPath = pathOf(run.created.workflowExecution.credentials[0]?.api?.workflowExecution ?? '');
    });
    after(() => app.close());

    const call = (path: string, body: object, as: TestClient = client) => kycCall(app, as, path, body);

    it('a PASSED IDV session creates a verified identity with the holder’s data and a face template', async () => {
      const execution = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .select(['decision'])
        .where('id', '=', sessionId)
        .executeTakeFirstOrThrow();
      assert.equal(JSON.parse(execution.decision ?? '{}').type, 'PASSED', execution.decision ?? '');
      const session = await kycDb(app.idv.ctx)
        .selectFrom('kyc_sessions')
        .select(['identity_id'])
        .where('execution_id', '=', sessionId)
        .executeTakeFirstOrThrow();
      assert.ok(session.identity_id, 'the session names its identity');
      identityId = session.identity_id;
      const read = await call('/kyc/v2/identity/read', { identity_id: identityId });
      assert.equal(read.status, 200, JSON.stringify(read.json));
      const identity = read.json;
      assert.deepEqual(
        [
          identity.status,
          identity.verified,
          identity.has_face_template,
          identity.user_id,
          identity.client_id,
        ],
        ['verified', true, true, 'user-7', client.id],
      );
      assert.deepEqual(
        [identity.last_name, identity.first_name, identity.birth_date, identity.document_number],
        [holder.surname, holder.givenNames, holder.birthDate, holder.documentNumber],
      );
      assert.equal(identity.document_type, 'passport');
      assert.deepEqual([identity.latest_session_id, identity.session_ids], [sessionId, [sessionId]]);
      assert.ok(identity.score > 60 && identity.score <= 100, `score ${identity.score}`);
      assert.equal('face_template' in identity, false, 'the template itself is never returned');
      const stored = await kycDb(app.idv.ctx)
        .selectFrom('identities')
        .select(['face_template', 'face_template_version'])
        .where('id', '=', identityId)
        .executeTakeFirstOrThrow();
      // 1024 float32 = 4096 bytes.
      assert.equal(Buffer.from(stored.face_template ?? '', 'base64').length, 4096);
      assert.match(stored.face_template_version ?? '', /faceres-1024/);
      // Processing the same session again changes nothing (a re-run job).
      assert.equal(await recordIdentityFromSession(app.idv.ctx, sessionId), identityId);
      const count = await kycDb(app.idv.ctx)
        .selectFrom('identities')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 1);
    });

    it('a workflow-API execution of a client that uses the KYC API gets its KYC row and joins the identity of its document', async () => {
      const db = kycDb(app.idv.ctx);
      await db.deleteFrom('kyc_sessions').where('execution_id', '=', sessionId).execute();
      await db
        .updateTable('identities')
        .set({ latest_session_id: null })
        .where('id', '=', identityId)
        .execute();
      // Another (fresh) session of the client keeps it a KYC API client.
      await insertIdvSession(app, await createAccount(app, client), client.id, null);
      assert.equal(
        await recordIdentityFromSession(app.idv.ctx, sessionId),
        identityId,
        'same document, same identity',
      );
      const session = await db
        .selectFrom('kyc_sessions')
        .selectAll()
        .where('execution_id', '=', sessionId)
        .executeTakeFirstOrThrow();
      // The workflow API's userReference is the customer's id of the person.
      assert.deepEqual([session.kind, session.identity_id, session.user_id], ['idv', identityId, 'user-42']);
      const identity = await db
        .selectFrom('identities')
        .selectAll()
        .where('id', '=', identityId)
        .executeTakeFirstOrThrow();
      assert.deepEqual([identity.latest_session_id, identity.user_id], [sessionId, 'user-7']);
    });

    it('lists, searches and reads many, for the client’s own identities only', async () => {
      const bySurname = await call('/kyc/v2/identity/list', { search_term: holder.surname.toLowerCase() });
      assert.equal(bySurname.status, 200);
      assert.deepEqual(
        bySurname.json.items.map((i: Json) => i.identity_id),
        [identityId],
      );
      assert.deepEqual([bySurname.json.total, bySurname.json.take, bySurname.json.skip], [1, 20, 0]);
      assert.equal((await call('/kyc/v2/identity/list', { search_term: '%' })).json.total, 0, '% is literal');
      assert.equal((await call('/kyc/v2/identity/list', { verified: false })).json.total, 0);
      assert.equal((await call('/kyc/v2/identity/list', { user_id: 'user-7' })).json.total, 1);
      assert.equal((await call('/kyc/v2/identity/list', {}, otherClient)).json.total, 0);
      const many = await call('/kyc/v2/identity/read-many', { identity_ids: [identityId, 'nope'] });
      assert.deepEqual(
        [many.json.items.map((i: Json) => i.identity_id), many.json.not_found],
        [[identityId], ['nope']],
      );
      const foreign = await call('/kyc/v2/identity/read-many', { identity_ids: [identityId] }, otherClient);
      assert.deepEqual(foreign.json.not_found, [identityId]);
      assert.equal(
        (await call('/kyc/v2/identity/read', { identity_id: identityId }, otherClient)).status,
        404,
      );
      assert.equal(
        (await call('/kyc/v2/identity/anonymize', { identity_id: identityId }, otherClient)).status,
        404,
      );
      const unknownField = await call('/kyc/v2/identity/read', { identity_id: identityId, extra: 1 });
      assert.equal(unknownField.status, 400);
      assert.equal(unknownField.json.error.code, 'UNKNOWN_FIELD');
    });

    it('answers the completed document and the images of the latest verifying session', async () => {
      const document = await call('/kyc/v2/identity/document/completed', { identity_id: identityId });
      assert.equal(document.status, 200, JSON.stringify(document.json));
      assert.equal(document.json.session_id, sessionId);
      assert.deepEqual(
        [document.json.document.document_type, document.json.document.document_number],
        ['passport', holder.documentNumber],
      );
      assert.equal(document.json.document.fields.document_number.source, 'MRZ');
      const selfie = await call('/kyc/v2/identity/image', { identity_id: identityId, image_type: 'selfie' });
      assert.equal(selfie.status, 200);
      assert.equal(selfie.response.headers.get('content-type'), 'image/png');
      const stored = await app.request(
        `${accountPath.replace(/\/workflow-executions\/.*/, '')}/credentials/${
          (
            await app.idv.ctx.db
              .selectFrom('credentials')
              .select(['id'])
              .where('execution_id', '=', sessionId)
              .where('category', '=', 'SELFIE')
              .executeTakeFirstOrThrow()
          ).id
        }/parts/FACE`,
        { headers: client.auth },
      );
      assert.deepEqual(
        Buffer.from(await selfie.response.arrayBuffer()),
        Buffer.from(await stored.arrayBuffer()),
        'the same bytes as the workflow API’s part',
      );
      const front = await call('/kyc/v2/identity/image', {
        identity_id: identityId,
        image_type: 'document_front',
      });
      assert.equal(front.status, 200);
      assert.equal(front.response.headers.get('content-type'), 'image/jpeg');
      const back = await call('/kyc/v2/identity/image', {
        identity_id: identityId,
        image_type: 'document_back',
      });
      assert.equal(back.status, 404, 'a passport has no back');
    });

    it('PII deletion of the session anonymizes the identity derived from it (no template outlives the selfie)', async () => {
      const wiped = await app.request(accountPath, { method: 'DELETE', headers: client.auth });
      assert.equal(wiped.status, 204, await wiped.text());
      const read = await call('/kyc/v2/identity/read', { identity_id: identityId });
      assert.deepEqual(
        [read.json.status, read.json.verified, read.json.has_face_template, read.json.last_name],
        ['anonymized', false, false, null],
      );
      const stored = await kycDb(app.idv.ctx)
        .selectFrom('identities')
        .selectAll()
        .where('id', '=', identityId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [stored.face_template, stored.document_data, stored.document_number],
        [null, null, null],
      );
      assert.ok(!JSON.stringify(stored).includes(holder.surname));
      const document = await call('/kyc/v2/identity/document/completed', { identity_id: identityId });
      assert.equal(document.status, 404);
    });

    it('anonymize clears the person, the document data and the template', async () => {
      const now = app.clock.now().toISOString();
      await kycDb(app.idv.ctx)
        .insertInto('identities')
        .values({
          id: 'identity-anon',
          client_id: client.id,
          account_id: null,
          user_id: 'user-8',
          status: 'verified',
          verified: 1,
          score: 100,
          first_name: 'ANNA',
          last_name: 'MUSTER',
          birth_date: '1990-01-01',
          gender: 'F',
          nationality: 'DEU',
          document_type: 'passport',
          document_number: 'C01X00T47',
          issuing_country: 'DEU',
          expiry_date: '2031-01-01',
          document_data: '{}',
          face_template: Buffer.alloc(4096).toString('base64'),
          face_template_version: 'v',
          latest_session_id: null,
          verified_at: now,
          created_at: now,
          updated_at: now,
          anonymized_at: null,
        })
        .execute();
      const anonymized = await call('/kyc/v2/identity/anonymize', { identity_id: 'identity-anon' });
      assert.equal(anonymized.status, 200);
      assert.equal(anonymized.json.identity_id, 'identity-anon');
      const row = await kycDb(app.idv.ctx)
        .selectFrom('identities')
        .selectAll()
        .where('id', '=', 'identity-anon')
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        [row.status, row.verified, row.first_name, row.document_number, row.face_template, row.user_id],
        ['anonymized', 0, null, null, null, null],
      );
      assert.equal(row.anonymized_at, anonymized.json.anonymized_at);
      const again = await call('/kyc/v2/identity/anonymize', { identity_id: 'identity-anon' });
      assert.equal(again.json.anonymized_at, anonymized.json.anonymized_at, 'idempotent');
    });

    if (target.name !== 'sqlite') return;

    it('a session that does not pass creates an unverified identity without a template', async () => {
      const { created } = await runIdvSession(app, client, 'user-9', await makeJpeg(1600, 1200, 9));
      const execution = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .select(['decision'])
        .where('id', '=', created.workflowExecution.id)
        .executeTakeFirstOrThrow();
      assert.equal(JSON.parse(execution.decision ?? '{}').type, 'REJECTED');
      const listed = await call('/kyc/v2/identity/list', { user_id: 'user-9' });
      assert.equal(listed.json.total, 1);
      const identity = listed.json.items[0];
      assert.deepEqual(
        [identity.status, identity.verified, identity.has_face_template, identity.session_ids],
        ['unverified', false, false, [created.workflowExecution.id]],
      );
      const notVerified = await call('/kyc/v2/identity/list', { verified: false });
      assert.ok(notVerified.json.items.some((i: Json) => i.identity_id === identity.identity_id));
      const verified = await call('/kyc/v2/identity/list', { verified: true });
      assert.ok(!verified.json.items.some((i: Json) => i.identity_id === identity.identity_id));
    });
  });
}
