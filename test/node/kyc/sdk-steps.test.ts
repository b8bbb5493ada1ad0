/**
 * The KYC API's SDK steps (issue #16): a photographed US driving licence, a selfie and the passive liveness burst
 * go through consent → document type → front → back → selfie → liveness → finalize; processing decides it on the
 * engine, and the admin operations read the verdict, the extracted names, the files (bytes = their sha256), the
 * checks performed, then anonymize and delete it. Bad input answers its own code, never a 500.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { livenessFramePath, makeLivenessFixtures } from '../../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures, WIDGET_FIXTURES_DIR } from '../../../scripts/make-widget-fixtures.js';
import type { KycDocumentData, KycSession } from '../../../src/server/kyc/session-schemas.js';
import { testDatabases } from '../../support/databases.js';
import {
  createTestClient,
  makeJpeg,
  openTestApp,
  type TestApp,
  type TestClient,
} from '../../support/server.js';
import {
  idCardBack,
  idCardFront,
  photographDocument,
  specimenHolder,
} from '../../support/specimens/index.js';
import {
  admin,
  type CreatedSession,
  createSession,
  type ErrorBody,
  imageForm,
  sdk,
  sdkForm,
  sdkHeaders,
} from './kyc-client.js';
import { burstProcessForm } from '../../support/kyc-forms.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

for (const target of testDatabases()) {
  describe(`KYC SDK steps (${target.name})`, { timeout: 600_000 }, () => {
    let app: TestApp;
    let client: TestClient;
    before(async () => {
      await Promise.all([makeLivenessFixtures(), makeWidgetFixtures()]);
      // Behind a proxy: the session's request address comes from X-Forwarded-For.
      app = await openTestApp(target, { config: { trustProxy: true } });
      client = await createTestClient(app);
    });
    after(() => app.close());

    /** The passive burst in one request: three frames of the holder holding still, 150 ms apart. */
    async function livenessBurst(session: CreatedSession) {
      const generated = await sdk<{
        liveness_session_id: string;
        nonce: string;
        mode: string;
        burst_frames: number;
      }>(app, session, '/liveness/generate');
      assert.equal(generated.status, 200, JSON.stringify(generated.body));
      assert.equal(generated.body.mode, 'passive');
      const form = burstProcessForm(session.session_id, generated.body, 'astronaut', 150);
      const frames = (['neutral', 'sway-a', 'sway-b'] as const).map((pose) =>
        readFileSync(livenessFramePath('astronaut', pose)),
      );
      app.clock.advance(450);
      const processed = await sdkForm<{ status: string; attempts_left: number }>(
        app,
        session,
        '/liveness/process',
        form,
      );
      assert.equal(processed.status, 200, JSON.stringify(processed.body));
      assert.equal(processed.body.status, 'DONE');
      return frames;
    }

    it('verifies a US driving licence end to end and reads it back through the admin operations', async () => {
      const holder = { ...specimenHolder(21), issuingState: 'USA', nationality: 'USA' };
      const front = photographDocument(await idCardFront({ seed: 21, holder }), { seed: 21, rotationDeg: 3 });
      const back = photographDocument(await idCardBack({ seed: 21, kind: 'us-dl', holder }), {
        seed: 22,
        rotationDeg: -2,
      });
      const selfie = readFileSync(join(WIDGET_FIXTURES_DIR, 'face-1280.png'));
      const session = await createSession(
        app,
        client,
        { user_id: 'user-7', metadata: { order: 'A-1' }, settings: { document_types: ['driver_license'] } },
        { 'x-forwarded-for': '10.20.30.40' },
      );

      const consent = await sdk<{ consent_given_at: string }>(app, session, '/consent', {
        consent: true,
        consent_version: '2026-01',
      });
      assert.equal(consent.status, 200, JSON.stringify(consent.body));
      const chosen = await sdk(app, session, '/document-type', {
        document_type: 'driver_license',
        issuing_country: 'USA',
      });
      assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
      const stored: Record<string, string> = {};
      for (const [step, bytes, location] of [
        ['front', front, { latitude: '52.52', longitude: '13.405' }],
        ['back', back, {}],
        ['selfie', selfie, {}],
      ] as const) {
        const added = await sdkForm<{ file_id: string; storage_file_type: string } & Record<string, string>>(
          app,
          session,
          `/${step}-image/add`,
          imageForm(session.session_id, bytes, location),
        );
        assert.equal(added.status, 200, JSON.stringify(added.body));
        assert.ok(added.body[`${step}_image_given_at`]);
        stored[added.body.file_id] = sha256(bytes);
      }
      const frames = await livenessBurst(session);
      const steps = await sdk<{ steps: Record<string, string>; status: string }>(
        app,
        session,
        '/session/read',
      );
      assert.deepEqual(steps.body.steps, {
        consent: 'done',
        document_type: 'done',
        front_image: 'done',
        back_image: 'done',
        selfie_image: 'done',
        liveness: 'done',
      });
      assert.equal(steps.body.status, 'in_progress');

      const first = await sdk<Record<string, unknown>>(app, session, '/finalize');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual([first.body.status, first.body.verified], ['processing', null]);
      await app.idv.runDueWork();
      const again = await sdk<Record<string, unknown>>(app, session, '/finalize');
      assert.deepEqual(
        [
          again.body.status,
          again.body.verified,
          again.body.on_sanction_list,
          again.body.on_sanction_list_reason,
        ],
        ['completed', true, null, 'SCREENING_NOT_REQUESTED'],
        JSON.stringify(again.body),
      );

      const read = await admin<KycSession>(app, client, '/idv/session/read', {
        session_id: session.session_id,
      });
      assert.equal(read.status, 200);
      assert.deepEqual(
        [
          read.body.status,
          read.body.verified,
          read.body.decision?.type,
          read.body.user_id,
          read.body.document_type,
        ],
        ['completed', true, 'PASSED', 'user-7', 'driver_license'],
      );
      assert.equal(read.body.last_name, holder.surname.replace(/'/g, ' '));
      assert.equal(read.body.birth_date, holder.birthDate);
      // One decision, two APIs: the workflow API's retrieval shows the same verdict; score = 100 − its risk score.
      const row = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .select(['account_id'])
        .where('id', '=', session.session_id)
        .executeTakeFirstOrThrow();
      const retrieved = (await (
        await app.request(`/api/v1/accounts/${row.account_id}/workflow-executions/${session.session_id}`, {
          headers: client.auth,
        })
      ).json()) as { decision: { type: string; risk: { score: number } } };
      assert.equal(retrieved.decision.type, 'PASSED');
      assert.equal(read.body.score, 100 - retrieved.decision.risk.score);
      for (const field of [
        'consent',
        'document_type',
        'front_image',
        'back_image',
        'selfie_image',
        'liveness',
      ]) {
        assert.ok(read.body[`${field}_given_at` as keyof KycSession], field);
      }
      assert.deepEqual(
        read.body.history
          .map((h: { event: string }) => h.event)
          .filter((e: string) => e === 'created' || e === 'completed'),
        ['created', 'completed'],
      );

      const document = await admin<KycDocumentData>(app, client, '/idv/session/document/read', {
        session_id: session.session_id,
      });
      assert.deepEqual(
        [document.body.document_type, document.body.issuing_country, document.body.document_number],
        ['driver_license', 'USA', holder.documentNumber],
      );
      assert.equal(document.body.fields.birth_date.source, 'BARCODE');
      assert.ok(document.body.last_name && document.body.full_name?.includes(document.body.last_name));

      const files = await admin<{
        items: Array<{ file_id: string; storage_file_type: string; sha256: string }>;
      }>(app, client, '/idv/session/document/list', { session_id: session.session_id });
      assert.deepEqual(files.body.items.map((f) => f.storage_file_type).sort(), [
        'document_back',
        'document_front',
        'liveness_frame',
        'liveness_frame',
        'liveness_frame',
        'selfie',
      ]);
      // Stored images are validated and re-encoded (metadata stripped); the listed sha256 is of the stored bytes.
      for (const file of files.body.items) {
        const download = await admin(app, client, '/idv/session/document/download', {
          session_id: session.session_id,
          file_id: file.file_id,
        });
        assert.equal(download.status, 200);
        assert.equal(download.response.headers.get('cache-control'), 'no-store');
        assert.equal(sha256(new Uint8Array(await download.response.arrayBuffer())), file.sha256);
      }
      assert.equal(Object.keys(stored).length, 3);
      assert.ok(frames.length === 3);

      const tests = await admin<{ tests: Record<string, { result: string; label: string }> }>(
        app,
        client,
        '/idv/session/test/read',
        { session_id: session.session_id },
      );
      for (const name of ['usability', 'image_checks', 'face_match', 'liveness', 'data_checks', 'expiry']) {
        assert.equal(
          tests.body.tests[name]?.result,
          'passed',
          `${name}: ${JSON.stringify(tests.body.tests)}`,
        );
      }
      // Performed; whether the printed text (OCR) was read well enough to compare with the barcode varies.
      assert.ok(
        ['passed', 'not_executed'].includes(tests.body.tests.data_consistency?.result ?? 'absent'),
        JSON.stringify(tests.body.tests.data_consistency),
      );
      assert.equal(
        tests.body.tests.sanctions,
        undefined,
        'no screening requested: the test is absent, not false',
      );
      assert.equal(tests.body.tests.mrz_checksums, undefined, 'a driving licence has no MRZ');

      const location = await admin<Record<string, unknown>>(app, client, '/idv/session/location/read', {
        session_id: session.session_id,
      });
      assert.deepEqual(location.body, {
        session_id: session.session_id,
        ip_address: '10.20.30.40',
        ip_version: 4,
        is_private: true,
        country_code: null,
        region: null,
        city: null,
        latitude: null,
        longitude: null,
        isp: null,
        unavailable_reason: 'NO_GEOIP_DATABASE',
        image_locations: { front: { latitude: 52.52, longitude: 13.405 } },
      });

      // Found by the holder's name (read from the document), and counted as verified.
      const found = await admin<{
        items: Array<{ session_id: string }>;
        meta_counts: Record<string, number>;
      }>(app, client, '/idv/session/list', {
        search_term: holder.surname.replace(/'/g, ' ').slice(0, 4).toLowerCase(),
      });
      assert.deepEqual(
        found.body.items.map((i) => i.session_id),
        [session.session_id],
      );
      assert.equal(found.body.meta_counts.verified, 1);

      const anonymized = await admin<{ anonymized_at: string }>(app, client, '/idv/session/anonymize', {
        session_id: session.session_id,
      });
      assert.equal(anonymized.status, 200);
      const afterWipe = await admin<KycSession>(app, client, '/idv/session/read', {
        session_id: session.session_id,
      });
      assert.deepEqual(
        [
          afterWipe.body.status,
          afterWipe.body.last_name,
          afterWipe.body.metadata,
          afterWipe.body.decision?.type,
        ],
        ['anonymized', null, null, 'PASSED'],
      );
      assert.ok(!JSON.stringify(afterWipe.body).includes(holder.documentNumber));
      const noFiles = await admin<{ items: unknown[] }>(app, client, '/idv/session/document/list', {
        session_id: session.session_id,
      });
      assert.deepEqual(noFiles.body.items, []);
      const noIp = await admin<Record<string, unknown>>(app, client, '/idv/session/location/read', {
        session_id: session.session_id,
      });
      assert.deepEqual([noIp.body.ip_address, noIp.body.image_locations], [null, {}]);

      const deleted = await admin(app, client, '/idv/session/delete', { session_id: session.session_id });
      assert.deepEqual(deleted.body, { session_id: session.session_id, deleted: true });
      const gone = await admin<ErrorBody>(app, client, '/idv/session/read', {
        session_id: session.session_id,
      });
      assert.equal(gone.status, 404);
    });

    it('SDK steps answer cross-origin calls from the session client’s origins only; admin operations none', async () => {
      const session = await createSession(app, client);
      const preflight = (path: string) =>
        app.request(path, {
          method: 'OPTIONS',
          headers: {
            origin: 'https://shop.example',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization, client-id, content-type',
          },
        });
      const sdkPreflight = await preflight('/kyc/v2/idv/sdk/consent');
      assert.equal(sdkPreflight.headers.get('access-control-allow-origin'), 'https://shop.example');
      assert.match(String(sdkPreflight.headers.get('access-control-allow-headers')), /client-id/);
      const adminPreflight = await preflight('/kyc/v2/idv/session/create');
      assert.equal(adminPreflight.headers.get('access-control-allow-origin'), null);
      const read = (origin: string) =>
        app.request('/kyc/v2/idv/sdk/session/read', {
          method: 'POST',
          headers: { ...sdkHeaders(session), origin, 'content-type': 'application/json' },
          body: JSON.stringify({ session_id: session.session_id }),
        });
      const own = await read('https://shop.example');
      assert.equal(own.status, 200);
      assert.equal(own.headers.get('access-control-allow-origin'), 'https://shop.example');
      const rival = await read('https://rival.example');
      assert.equal(rival.headers.get('access-control-allow-origin'), null);
    });

    it('a session read does not start the inactivity clock; a capture step does', async () => {
      const session = await createSession(app, client);
      const activity = () =>
        app.idv.ctx.db
          .selectFrom('workflow_executions')
          .select(['capture_started_at', 'last_activity_at'])
          .where('id', '=', session.session_id)
          .executeTakeFirstOrThrow();
      assert.equal((await sdk(app, session, '/session/read')).status, 200);
      assert.deepEqual(await activity(), { capture_started_at: null, last_activity_at: null });
      assert.equal((await sdk(app, session, '/consent', { consent: true })).status, 200);
      const started = await activity();
      assert.ok(started.capture_started_at && started.last_activity_at, JSON.stringify(started));
    });

    it('refuses bad input with its own code and status, never a 500', async () => {
      const session = await createSession(app, client);
      const other = await createSession(app, client);
      const jpeg = await makeJpeg(800, 600, 3);
      const code = (answer: { status: number; body: unknown }) => [
        answer.status,
        (answer.body as ErrorBody).error?.code,
      ];

      const noClientId = await sdk(
        app,
        session,
        '/session/read',
        {},
        {
          authorization: `Bearer ${session.session_token}`,
        },
      );
      assert.deepEqual(code(noClientId), [401, 'CLIENT_ID_REQUIRED']);
      const wrongClient = await sdk(
        app,
        session,
        '/session/read',
        {},
        {
          ...sdkHeaders(session),
          'client-id': 'someone-else',
        },
      );
      assert.deepEqual(code(wrongClient), [403, 'CLIENT_MISMATCH']);
      const otherSession = await sdk(app, session, '/session/read', { session_id: other.session_id });
      assert.deepEqual(code(otherSession), [403, 'SESSION_MISMATCH']);
      const otherSessionForm = await sdkForm(
        app,
        session,
        '/front-image/add',
        imageForm(other.session_id, jpeg),
      );
      assert.deepEqual(code(otherSessionForm), [403, 'SESSION_MISMATCH']);
      const idaRoute = await sdk(app, session, '/session/read', {}, sdkHeaders(session), 'ida');
      assert.deepEqual(code(idaRoute), [404, 'NOT_FOUND']);

      // Before consent: every step but session/read.
      const read = await sdk<{ steps: Record<string, string>; status: string }>(
        app,
        session,
        '/session/read',
      );
      assert.equal(read.status, 200);
      assert.deepEqual(
        [read.body.steps.consent, read.body.status],
        ['pending', 'created'],
        'reading is not capturing',
      );
      for (const [path, body] of [
        ['/document-type', { document_type: 'passport' }],
        ['/liveness/generate', {}],
        ['/metadata/update', { metadata: { a: 1 } }],
        ['/finalize', {}],
      ] as const) {
        assert.deepEqual(code(await sdk(app, session, path, body)), [409, 'CONSENT_REQUIRED'], path);
      }
      assert.deepEqual(
        code(await sdkForm(app, session, '/selfie-image/add', imageForm(session.session_id, jpeg))),
        [409, 'CONSENT_REQUIRED'],
      );
      assert.deepEqual(code(await sdk(app, session, '/consent', { consent: false })), [
        422,
        'VALIDATION_FAILED',
      ]);
      assert.equal((await sdk(app, session, '/consent', { consent: true })).status, 200);

      assert.deepEqual(
        code(await sdkForm(app, session, '/back-image/add', imageForm(session.session_id, jpeg))),
        [409, 'STEP_OUT_OF_ORDER'],
      );
      assert.deepEqual(
        code(await sdk(app, session, '/document-type', { document_type: 'residence_permit' })),
        [422, 'VALIDATION_FAILED'],
      );
      assert.deepEqual(
        code(await sdk(app, session, '/document-type', { document_type: 'passport', extra: 1 })),
        [400, 'UNKNOWN_FIELD'],
      );
      assert.equal((await sdk(app, session, '/document-type', { document_type: 'passport' })).status, 200);
      assert.deepEqual(
        code(await sdkForm(app, session, '/back-image/add', imageForm(session.session_id, jpeg))),
        [409, 'STEP_OUT_OF_ORDER'],
        'a passport has no back',
      );
      assert.deepEqual(
        code(
          await sdkForm(
            app,
            session,
            '/front-image/add',
            imageForm(session.session_id, jpeg, { latitude: '91', longitude: '0' }),
          ),
        ),
        [422, 'VALIDATION_FAILED'],
      );
      const noFile = new FormData();
      noFile.append('session_id', session.session_id);
      assert.deepEqual(code(await sdkForm(app, session, '/front-image/add', noFile)), [422, 'MISSING_FILE']);
      const notImage = imageForm(
        session.session_id,
        new TextEncoder().encode('not an image'),
        {},
        'image/jpeg',
      );
      assert.equal((await sdkForm(app, session, '/front-image/add', notImage)).status, 415);
      assert.deepEqual(code(await sdk(app, session, '/finalize')), [409, 'MISSING_PARTS']);

      const badMeta = new FormData();
      badMeta.append('session_id', session.session_id);
      badMeta.append('liveness_session_id', 'nope');
      badMeta.append('meta', '[{}]');
      assert.deepEqual(code(await sdkForm(app, session, '/liveness/process', badMeta)), [
        422,
        'VALIDATION_FAILED',
      ]);

      // `unknown`: no type chosen, the back is still taken (the server classifies); passport_card is an ID-1 card.
      const open = await createSession(app, client);
      assert.equal((await sdk(app, open, '/consent', { consent: true })).status, 200);
      const unknown = await sdk<{ document_type: string }>(app, open, '/document-type', {
        document_type: 'unknown',
      });
      assert.deepEqual([unknown.status, unknown.body.document_type], [200, 'unknown']);
      assert.equal(
        (await sdkForm(app, open, '/back-image/add', imageForm(open.session_id, jpeg))).status,
        200,
      );
      const openSteps = await sdk<{ steps: Record<string, string>; status: string }>(
        app,
        open,
        '/session/read',
      );
      assert.deepEqual(
        [openSteps.body.status, openSteps.body.steps.document_type, openSteps.body.steps.back_image],
        ['in_progress', 'done', 'done'],
      );
      assert.equal((await sdk(app, open, '/document-type', { document_type: 'passport_card' })).status, 200);
      const card = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .select(['document_type', 'document_country'])
        .where('id', '=', open.session_id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([card.document_type, card.document_country], ['ID_CARD', null]);
      const openRead = await admin<KycSession>(app, client, '/idv/session/read', {
        session_id: open.session_id,
      });
      assert.equal(openRead.body.document_type, 'passport_card');

      // Metadata update after consent; the session stays capturable.
      const updated = await sdk<{ status: string }>(app, session, '/metadata/update', {
        metadata: { step: 'x' },
      });
      assert.equal(updated.status, 200);
      const stored = await admin<{ metadata: unknown }>(app, client, '/idv/session/read', {
        session_id: session.session_id,
      });
      assert.deepEqual(stored.body.metadata, { step: 'x' });
    });
  });
}
