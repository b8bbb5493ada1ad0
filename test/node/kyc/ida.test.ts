/**
 * KYC IDA — returning-user authentication (issue #16): for an identity a PASSED IDV session verified (real
 * pipeline), an IDA session captured through the widget's session endpoints with its session token is authenticated
 * for the same person (astronaut selfie + astronaut liveness) and not for another person (NO_MATCH); creation is
 * refused for an unverified identity (409) and another client's identity (404); the workflow API does not show IDA
 * sessions; list / read / download / delete and the SDK status answer. The identity-similarity capability is also
 * checked on its own (match, no match, no face, no template).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { livenessFramePath, makeLivenessFixtures } from '../../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures } from '../../../scripts/make-widget-fixtures.js';
import { analyzeFaces } from '../../../src/server/faces/face-analysis.js';
import { DEFAULT_FACE_MATCH_THRESHOLD } from '../../../src/server/faces/face-match.js';
import { identitySimilarityCapability } from '../../../src/server/pipeline/identity-similarity.js';
import type { ExecutionInput } from '../../../src/server/pipeline/types.js';
import { kycDb } from '../../../src/server/kyc/tables.js';
import { testDatabases } from '../../support/databases.js';
import { createTestClient, openTestApp, type TestApp, type TestClient } from '../../support/server.js';
import { astronautSelfie, captureSelfieSession, type Json, kycCall, runIdvSession } from './kyc-flow.js';

const otherSelfie = () => readFileSync(livenessFramePath('other', 'neutral'));

describe('identity similarity capability', { timeout: 300_000 }, () => {
  let template: number[];
  before(async () => {
    await Promise.all([makeLivenessFixtures(), makeWidgetFixtures()]);
    const face = (await analyzeFaces(astronautSelfie())).faces[0];
    assert.ok(face);
    template = Array.from(face.descriptor);
  });

  const input = (selfie: Buffer, identityMatch?: ExecutionInput['identityMatch']): ExecutionInput => ({
    executionId: 'e',
    definitionKey: 10090,
    credentials: [{ id: 's', category: 'SELFIE', requiredClassifiers: ['FACE'] }],
    parts: [
      {
        credentialId: 's',
        credentialCategory: 'SELFIE',
        classifier: 'FACE',
        mime: selfie[0] === 0x89 ? 'image/png' : 'image/jpeg',
        width: 640,
        height: 480,
        read: async () => selfie,
      },
    ],
    ...(identityMatch ? { identityMatch } : {}),
  });
  const verdict = async (selfie: Buffer, identityMatch?: ExecutionInput['identityMatch']) => {
    const [result] = await identitySimilarityCapability.run(input(selfie, identityMatch));
    assert.ok(result);
    return result;
  };

  it('passes the same person (another photo of them), rejects another person, labels what it cannot compare', async () => {
    const threshold = DEFAULT_FACE_MATCH_THRESHOLD;
    const same = await verdict(readFileSync(livenessFramePath('astronaut', 'neutral')), {
      template,
      threshold,
    });
    assert.deepEqual([same.decision.type, same.decision.details.label], ['PASSED', 'MATCH']);
    assert.ok((same.data?.distance as number) <= threshold);
    const other = await verdict(otherSelfie(), { template, threshold });
    assert.deepEqual([other.decision.type, other.decision.details.label], ['REJECTED', 'NO_MATCH']);
    assert.ok((other.data?.distance as number) > threshold);
    // Numbers and codes only: no descriptor in the result.
    assert.deepEqual(Object.keys(other.data ?? {}).sort(), [
      'distance',
      'faceMatchScore',
      'facesInSelfie',
      'similarity',
      'threshold',
    ]);
    const blank = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    const noFace = await verdict(blank, { template, threshold });
    assert.deepEqual(
      [noFace.decision.type, noFace.decision.details.label],
      ['NOT_EXECUTED', 'NO_FACE_PRESENT'],
    );
    const noTemplate = await verdict(astronautSelfie());
    assert.deepEqual(
      [noTemplate.decision.type, noTemplate.decision.details.label],
      ['NOT_EXECUTED', 'NO_IDENTITY_TEMPLATE'],
    );
  });
});

for (const target of testDatabases()) {
  describe(`KYC IDA sessions (${target.name})`, { timeout: 900_000 }, () => {
    let app: TestApp;
    let client: TestClient;
    let otherClient: TestClient;
    let identityId: string;
    const sessions: Record<'same' | 'other', string> = { same: '', other: '' };

    before(async () => {
      await Promise.all([makeLivenessFixtures(), makeWidgetFixtures()]);
      app = await openTestApp(target);
      client = await createTestClient(app);
      otherClient = await createTestClient(app, ['https://other.example'], 'Other shop');
      const { created } = await runIdvSession(app, client, 'user-7');
      const session = await kycDb(app.idv.ctx)
        .selectFrom('kyc_sessions')
        .select(['identity_id'])
        .where('execution_id', '=', created.workflowExecution.id)
        .executeTakeFirstOrThrow();
      assert.ok(session.identity_id, 'the IDV session verified an identity');
      identityId = session.identity_id;
    });
    after(() => app.close());

    const call = (path: string, body: object, as: TestClient = client) => kycCall(app, as, path, body);

    async function authenticate(selfie: Buffer, person: 'astronaut' | 'other'): Promise<Json> {
      const created = await call('/kyc/v2/ida/session/create', {
        identity_id: identityId,
        metadata: { a: 1 },
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.deepEqual(
        [created.json.kind, created.json.status, created.json.identity_id, created.json.client_id],
        ['ida', 'created', identityId, client.id],
      );
      assert.ok(created.json.session_token && created.json.url && created.json.expires_at);
      await captureSelfieSession(app, created.json.session_token, selfie, person);
      const read = await call('/kyc/v2/ida/session/read', { session_id: created.json.session_id });
      assert.equal(read.status, 200, JSON.stringify(read.json));
      return read.json;
    }

    it('authenticates the same person: astronaut selfie + astronaut liveness', async () => {
      const read = await authenticate(astronautSelfie(), 'astronaut');
      sessions.same = read.session_id;
      assert.deepEqual(
        [read.status, read.authenticated, read.reason, read.decision?.type],
        ['completed', true, null, 'PASSED'],
        JSON.stringify(read),
      );
      assert.ok(read.face_match.distance <= read.face_match.threshold);
      assert.ok(read.face_match.score >= 80);
      assert.deepEqual(read.liveness, { result: 'passed', label: 'OK' });
      assert.deepEqual(
        read.history.map((h: Json) => h.event),
        ['created', 'consent', 'selfie_image', 'liveness', 'finalized', 'completed'],
      );
      const execution = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .select(['definition_key', 'account_id'])
        .where('id', '=', read.session_id)
        .executeTakeFirstOrThrow();
      const identity = await kycDb(app.idv.ctx)
        .selectFrom('identities')
        .select(['account_id', 'latest_session_id'])
        .where('id', '=', identityId)
        .executeTakeFirstOrThrow();
      assert.equal(execution.definition_key, 10090);
      assert.equal(execution.account_id, identity.account_id, 'in the identity’s account');
      assert.notEqual(identity.latest_session_id, read.session_id, 'authentication does not re-verify');
    });

    it('does not authenticate another person: NO_MATCH', async () => {
      const read = await authenticate(otherSelfie(), 'other');
      sessions.other = read.session_id;
      assert.deepEqual(
        [read.authenticated, read.reason, read.decision?.type, read.decision?.capability],
        [false, 'NO_MATCH', 'REJECTED', 'similarity'],
        JSON.stringify(read),
      );
      assert.ok(read.face_match.distance > read.face_match.threshold);
      assert.equal(read.liveness.result, 'passed', 'the other person is live, just not the identity');
    });

    it('lists the sessions with counts, downloads the selfie, answers the SDK status, deletes', async () => {
      const listed = await call('/kyc/v2/ida/session/list', { identity_id: identityId });
      assert.equal(listed.status, 200, JSON.stringify(listed.json));
      assert.equal(listed.json.total, 2);
      assert.deepEqual(
        [
          listed.json.meta_counts.completed,
          listed.json.meta_counts.authenticated,
          listed.json.meta_counts.not_authenticated,
        ],
        [2, 1, 1],
      );
      // An hour ago, written in +05:00: both sessions are after it.
      const hourAgo = new Date(app.clock.now().getTime() + 4 * 3_600_000)
        .toISOString()
        .replace('Z', '+05:00');
      assert.equal((await call('/kyc/v2/ida/session/list', { date_from: hourAgo })).json.total, 2);
      assert.equal((await call('/kyc/v2/ida/session/list', { date_to: hourAgo })).json.total, 0);
      const failed = await call('/kyc/v2/ida/session/list', { status: 'created' });
      assert.equal(failed.json.total, 0);
      assert.equal((await call('/kyc/v2/ida/session/list', {}, otherClient)).json.total, 0);
      const selfie = await call('/kyc/v2/ida/session/download', { session_id: sessions.same });
      assert.equal(selfie.status, 200);
      assert.equal(selfie.response.headers.get('content-type'), 'image/png');
      assert.equal(
        (await call('/kyc/v2/ida/session/read', { session_id: sessions.same }, otherClient)).status,
        404,
      );
      const deleted = await call('/kyc/v2/ida/session/delete', { session_id: sessions.other });
      assert.deepEqual(deleted.json, { session_id: sessions.other, deleted: true });
      assert.equal((await call('/kyc/v2/ida/session/read', { session_id: sessions.other })).status, 404);
      assert.equal((await call('/kyc/v2/ida/session/list', { identity_id: identityId })).json.total, 1);
      const identity = await call('/kyc/v2/identity/read', { identity_id: identityId });
      assert.equal(identity.json.has_face_template, true, 'deleting an IDA session leaves the identity');

      // SDK status: client-id header + the session token of a fresh IDA session.
      const fresh = await call('/kyc/v2/ida/session/create', { identity_id: identityId });
      const status = await app.request('/kyc/v2/identity/sdk/status', {
        method: 'POST',
        headers: {
          'client-id': client.id,
          authorization: `Bearer ${fresh.json.session_token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ session_id: fresh.json.session_id }),
      });
      assert.equal(status.status, 200, await status.clone().text());
      assert.deepEqual(await status.json(), {
        identity_id: identityId,
        verified: true,
        can_authenticate: true,
      });
    });

    it('the workflow API does not show IDA sessions', async () => {
      const processed = (await (
        await app.request('/api/v1/workflow-executions', { headers: client.auth })
      ).json()) as Json;
      const ids = processed.workflowExecutions.map((e: Json) => e.id);
      assert.ok(!ids.includes(sessions.same));
      const execution = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .select(['account_id'])
        .where('id', '=', sessions.same)
        .executeTakeFirstOrThrow();
      const direct = await app.request(
        `/api/v1/accounts/${execution.account_id}/workflow-executions/${sessions.same}`,
        { headers: client.auth },
      );
      assert.equal(direct.status, 404);
      const search = await app.request('/api/web/v1/idproofing', {
        method: 'POST',
        headers: { ...client.auth, 'content-type': 'application/json' },
        body: JSON.stringify({}),
      });
      assert.equal(search.status, 200, await search.clone().text());
      const found = JSON.stringify(await search.json());
      assert.ok(!found.includes(sessions.same));
    });

    it('refuses an unverified identity (409) and another client’s identity (404)', async () => {
      const now = app.clock.now().toISOString();
      await kycDb(app.idv.ctx)
        .insertInto('identities')
        .values({
          id: 'identity-unverified',
          client_id: client.id,
          account_id: null,
          user_id: 'user-9',
          status: 'unverified',
          verified: 0,
          score: 10,
          first_name: null,
          last_name: null,
          birth_date: null,
          gender: null,
          nationality: null,
          document_type: null,
          document_number: null,
          issuing_country: null,
          expiry_date: null,
          document_data: null,
          face_template: null,
          face_template_version: null,
          latest_session_id: null,
          verified_at: null,
          created_at: now,
          updated_at: now,
          anonymized_at: null,
        })
        .execute();
      const unverified = await call('/kyc/v2/ida/session/create', { identity_id: 'identity-unverified' });
      assert.deepEqual([unverified.status, unverified.json.error?.code], [409, 'IDENTITY_NOT_VERIFIED']);
      const foreign = await call('/kyc/v2/ida/session/create', { identity_id: identityId }, otherClient);
      assert.deepEqual([foreign.status, foreign.json.error?.code], [404, 'NOT_FOUND']);
      const badField = await call('/kyc/v2/ida/session/create', { identity_id: identityId, extra: true });
      assert.equal(badField.status, 400);
      // Anonymized: the identity can no longer authenticate.
      assert.equal((await call('/kyc/v2/identity/anonymize', { identity_id: identityId })).status, 200);
      const gone = await call('/kyc/v2/ida/session/create', { identity_id: identityId });
      assert.deepEqual([gone.status, gone.json.error?.code], [409, 'IDENTITY_NOT_VERIFIED']);
    });
  });
}
