/**
 * KYC weights and requirements: documented defaults, every update a new full version, range errors, versions read
 * back unchanged by id (never another client's), per-user overrides; the pipeline reads them — a minimum-age weight
 * above the holder's age rejects the next decision while the earlier one, decided with the old version, stays PASSED
 * and its recorded `idv_weights_id` reads back those old weights; a required field that was not read is
 * `WARNING REQUIRED_FIELD_MISSING`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeLivenessFixtures } from '../../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures } from '../../../scripts/make-widget-fixtures.js';
import { yearsBetween } from '../../../src/server/documents/compare.js';
import { sanctionsScreener } from '../../../src/server/documents/readers.js';
import type { SourceReading } from '../../../src/server/documents/identity.js';
import { setClientFaceMatchThreshold } from '../../../src/server/faces/face-settings.js';
import { kycDb, kycSessionValues } from '../../../src/server/kyc/tables.js';
import { effectiveWeights, kycDecisionTuning } from '../../../src/server/kyc/weights.js';
import { requiredFieldsPresent, verdict } from '../../../src/server/pipeline/data-checks.js';
import type { RequiredFieldRule } from '../../../src/server/pipeline/types.js';
import { ExecutionDetails } from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  createAccount,
  createTestClient,
  openTestApp,
  pathOf,
  type TestApp,
  type TestClient,
} from '../../support/server.js';
import { specimenHolder } from '../../support/specimens/index.js';
import { runIdvSession } from './kyc-flow.js';

/** An answer's JSON, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape
type Json = any;

const DEFAULTS = {
  onboarding_face_encoding_tolerance: 0.37,
  verified_account_face_encoding_tolerance: 0.37,
  minimum_age: null,
  sanctions_name_tolerance: 0.15,
};

async function post(app: TestApp, client: TestClient, path: string, body: unknown) {
  const response = await app.request(`/kyc/v2${path}`, {
    method: 'POST',
    headers: { ...client.auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** The KYC side of a session, as the KYC API's session create writes it. */
const kycSessionRow = (
  executionId: string,
  clientId: string,
  createdAt: string,
  userId: string | null = null,
) =>
  kycSessionValues({
    execution_id: executionId,
    client_id: clientId,
    kind: 'idv',
    user_id: userId,
    created_at: createdAt,
  });

for (const target of testDatabases()) {
  describe(`KYC weights and requirements (${target.name})`, { timeout: 600_000 }, () => {
    let app: TestApp;
    let client: TestClient;
    let other: TestClient;
    before(async () => {
      app = await openTestApp(target);
      client = await createTestClient(app);
      other = await createTestClient(app, ['https://other.example'], 'Other shop');
    });
    after(() => app.close());

    it('reads the documented defaults before any update, with no version stored', async () => {
      const read = await post(app, client, '/weights/read', {});
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, {
        idv_weights_id: null,
        version: 0,
        user_id: null,
        weights: DEFAULTS,
        defaults: DEFAULTS,
        created_at: null,
      });
    });

    it('stores each update as a new full version; an old version reads back unchanged by id, never for another client', async () => {
      const first = await post(app, client, '/weights/update', { weights: { minimum_age: 18 } });
      assert.equal(first.status, 200);
      assert.equal(first.body.version, 1);
      assert.deepEqual(first.body.weights, { ...DEFAULTS, minimum_age: 18 });
      const second = await post(app, client, '/weights/update', {
        weights: { sanctions_name_tolerance: 0.1, verified_account_face_encoding_tolerance: 0.33 },
      });
      assert.equal(second.body.version, 2);
      assert.notEqual(second.body.idv_weights_id, first.body.idv_weights_id);
      // Full weights: the earlier minimum age is carried into the new version.
      assert.deepEqual(second.body.weights, {
        ...DEFAULTS,
        minimum_age: 18,
        sanctions_name_tolerance: 0.1,
        verified_account_face_encoding_tolerance: 0.33,
      });
      assert.deepEqual((await post(app, client, '/weights/read', {})).body, second.body);
      const old = await post(app, client, '/weights/read-by-id', {
        idv_weights_id: first.body.idv_weights_id,
      });
      assert.deepEqual(old, { status: 200, body: first.body });
      const foreign = await post(app, other, '/weights/read-by-id', {
        idv_weights_id: first.body.idv_weights_id,
      });
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.error.code, 'NOT_FOUND');
      assert.equal((await post(app, other, '/weights/read', {})).body.idv_weights_id, null);
    });

    it('refuses weights out of range with INVALID_WEIGHTS and stores nothing', async () => {
      const before = (await post(app, client, '/weights/read', {})).body;
      const cases: Array<[Json, string]> = [
        [{ onboarding_face_encoding_tolerance: 0.6 }, 'weights.onboarding_face_encoding_tolerance'],
        [
          { verified_account_face_encoding_tolerance: 0.2 },
          'weights.verified_account_face_encoding_tolerance',
        ],
        [{ minimum_age: 126 }, 'weights.minimum_age'],
        [{ minimum_age: 17.5 }, 'weights.minimum_age'],
        [{ sanctions_name_tolerance: -0.01 }, 'weights.sanctions_name_tolerance'],
        [{ onboarding_face_encoding_tolerance: null }, 'weights.onboarding_face_encoding_tolerance'],
      ];
      for (const [weights, path] of cases) {
        const answer = await post(app, client, '/weights/update', { weights });
        assert.equal(answer.status, 422, JSON.stringify(weights));
        assert.equal(answer.body.error.code, 'INVALID_WEIGHTS');
        assert.deepEqual(
          answer.body.error.issues.map((i: { path: string }) => i.path),
          [path],
        );
      }
      const unknown = await post(app, client, '/weights/update', { weights: { face_tolerance: 0.4 } });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.code, 'UNKNOWN_FIELD');
      assert.deepEqual((await post(app, client, '/weights/read', {})).body, before);
    });

    it('keeps a user’s own weights apart from the client’s, starting from the client’s', async () => {
      const clientWeights = (await post(app, client, '/weights/read', {})).body;
      const own = await post(app, client, '/weights/update', {
        user_id: 'user-7',
        weights: { onboarding_face_encoding_tolerance: 0.32 },
      });
      assert.equal(own.body.user_id, 'user-7');
      assert.equal(own.body.version, 1);
      assert.deepEqual(own.body.weights, {
        ...clientWeights.weights,
        onboarding_face_encoding_tolerance: 0.32,
      });
      assert.deepEqual((await post(app, client, '/weights/read', { user_id: 'user-7' })).body, own.body);
      // Another user, and the client itself, still have the client's weights.
      assert.deepEqual((await post(app, client, '/weights/read', { user_id: 'user-8' })).body, clientWeights);
      assert.deepEqual((await post(app, client, '/weights/read', {})).body, clientWeights);
      const used = await effectiveWeights(app.idv.ctx, client.id, 'user-7');
      assert.equal(used.id, own.body.idv_weights_id);
    });

    it('stores a default version on a client’s first decision, and follows a face-match threshold set from the command line', async () => {
      const fresh = await createTestClient(app, ['https://fresh.example'], 'Fresh shop');
      const first = await effectiveWeights(app.idv.ctx, fresh.id);
      assert.equal(first.version, 1);
      assert.deepEqual(first.weights, DEFAULTS);
      assert.equal((await effectiveWeights(app.idv.ctx, fresh.id)).id, first.id, 'stored once');
      await setClientFaceMatchThreshold(app.idv.ctx.db, fresh.id, 0.41);
      const next = await effectiveWeights(app.idv.ctx, fresh.id);
      assert.equal(next.version, 2);
      assert.equal(next.weights.onboarding_face_encoding_tolerance, 0.41);
      // And the other way round: a client-level update is what the workflow API's threshold reads.
      await post(app, fresh, '/weights/update', { weights: { onboarding_face_encoding_tolerance: 0.35 } });
      const row = await app.idv.ctx.db
        .selectFrom('clients')
        .select('face_match_threshold')
        .where('id', '=', fresh.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.face_match_threshold, 0.35);
    });

    it('numbers concurrent updates apart and stores one default version', async () => {
      const busy = await createTestClient(app, ['https://shop.example'], 'Busy shop');
      const defaults = await Promise.all([1, 2, 3].map(() => effectiveWeights(app.idv.ctx, busy.id)));
      assert.equal(new Set(defaults.map((d) => d.id)).size, 1, 'one default version');
      const updates = await Promise.all(
        [0.31, 0.32, 0.33, 0.34].map((tolerance) =>
          post(app, busy, '/weights/update', {
            weights: { verified_account_face_encoding_tolerance: tolerance },
          }),
        ),
      );
      assert.deepEqual(updates.map((u) => u.body.version).sort(), [2, 3, 4, 5]);
    });

    it('reads default requirements, stores one per type and source, and refuses unknown fields', async () => {
      const defaults = await post(app, client, '/requirements/read', { document_type: 'passport' });
      assert.deepEqual(defaults.body.items, [
        {
          document_type: 'passport',
          data_source: 'any',
          required_fields: ['first_name', 'last_name', 'birth_date', 'document_number'],
          user_id: null,
          is_default: true,
          updated_at: null,
        },
      ]);
      assert.equal((await post(app, client, '/requirements/read', {})).body.items.length, 5);
      const stored = await post(app, client, '/requirements/update', {
        document_type: 'passport',
        data_source: 'mrz',
        required_fields: ['nationality', 'expiry_date', 'nationality'],
      });
      assert.equal(stored.status, 200);
      assert.deepEqual(
        [stored.body.required_fields, stored.body.is_default, stored.body.user_id],
        [['nationality', 'expiry_date'], false, null],
      );
      const replaced = await post(app, client, '/requirements/update', {
        document_type: 'passport',
        data_source: 'mrz',
        required_fields: ['gender'],
      });
      const passport = (await post(app, client, '/requirements/read', { document_type: 'passport' })).body;
      assert.deepEqual(
        passport.items.map((i: Json) => [i.data_source, i.required_fields, i.is_default]),
        [
          ['mrz', ['gender'], false],
          ['any', ['first_name', 'last_name', 'birth_date', 'document_number'], true],
        ],
      );
      assert.equal(passport.items[0].updated_at, replaced.body.updated_at);
      // A user's own rule wins for that user only.
      await post(app, client, '/requirements/update', {
        user_id: 'user-7',
        document_type: 'passport',
        data_source: 'any',
        required_fields: ['last_name'],
      });
      const forUser = (
        await post(app, client, '/requirements/read', { user_id: 'user-7', document_type: 'passport' })
      ).body.items;
      assert.deepEqual(
        forUser.map((i: Json) => [i.data_source, i.required_fields, i.user_id]),
        [
          ['mrz', ['gender'], null],
          ['any', ['last_name'], 'user-7'],
        ],
      );
      // Another client sees only the defaults.
      assert.equal(
        (await post(app, other, '/requirements/read', { document_type: 'passport' })).body.items[0]
          .is_default,
        true,
      );
      const bad = await post(app, client, '/requirements/update', {
        document_type: 'passport',
        data_source: 'any',
        required_fields: ['first_name', 'shoe_size'],
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.code, 'INVALID_REQUIREMENTS');
      assert.deepEqual(
        bad.body.error.issues.map((i: { path: string }) => i.path),
        ['required_fields.1'],
      );
    });

    it('hands the pipeline the session’s weights and requirements; the session’s own minimum age wins', async () => {
      const fresh = await createTestClient(app, ['https://shop.example'], 'Tuned shop');
      await post(app, fresh, '/weights/update', {
        weights: { minimum_age: 21, sanctions_name_tolerance: 0.05 },
      });
      await post(app, fresh, '/requirements/update', {
        document_type: 'driver_license',
        data_source: 'barcode',
        required_fields: ['address'],
      });
      const created = await createAccount(app, fresh);
      const row = await app.idv.ctx.db
        .selectFrom('workflow_executions')
        .selectAll()
        .where('id', '=', created.workflowExecution.id)
        .executeTakeFirstOrThrow();
      const tuning = await kycDecisionTuning(app.idv.ctx, { ...row, document_type: 'DRIVING_LICENSE' });
      assert.equal(tuning.input.dataChecks?.minimumAge, 21);
      assert.deepEqual(tuning.input.sanctions, { nameTolerance: 0.05 });
      assert.deepEqual(tuning.input.faceMatch, { threshold: 0.37 });
      assert.deepEqual(
        tuning.input.dataChecks?.requiredFields?.map((r) => [r.source, r.fields.map((f) => f.field)]),
        [
          ['BARCODE', ['address']],
          ['ANY', ['firstName', 'lastName', 'dateOfBirth', 'documentNumber']],
        ],
      );
      const own = await kycDecisionTuning(app.idv.ctx, { ...row, minimum_age: 16 });
      assert.equal(own.input.dataChecks?.minimumAge, 16);
      // A KYC session of one of the client's users: that user's weights, and the version recorded is theirs.
      const userWeights = await post(app, fresh, '/weights/update', {
        user_id: 'u-1',
        weights: { minimum_age: 30 },
      });
      await kycDb(app.idv.ctx)
        .insertInto('kyc_sessions')
        .values(kycSessionRow(row.id, fresh.id, app.clock.now().toISOString(), 'u-1'))
        .execute();
      const forUser = await kycDecisionTuning(app.idv.ctx, row);
      assert.equal(forUser.input.dataChecks?.minimumAge, 30);
      assert.equal(forUser.weightsId, userWeights.body.idv_weights_id);
    });
  });
}

describe('required fields in the data checks', () => {
  const reading = (source: SourceReading['source'], fields: SourceReading['fields']): SourceReading =>
    ({ source, classifier: 'FRONT', confidence: 'HIGH', fields }) as SourceReading;
  const rules = (
    source: RequiredFieldRule['source'],
    ...names: Array<[string, keyof SourceReading['fields']]>
  ) => ({
    source,
    fields: names.map(([name, field]) => ({ name, field })),
  });

  it('warns REQUIRED_FIELD_MISSING for a field not read, per source, and never passes', () => {
    const mrz = reading('MRZ', {
      lastName: 'ERIKSSON',
      documentNumber: 'L898902C3',
      dateOfBirth: '1974-08-12',
    });
    const viz = reading('VIZ', { firstName: 'ANNA', lastName: 'ERIKSSON' });
    const evidence = {
      readings: [mrz, viz],
      merged: { fields: { ...viz.fields, ...mrz.fields }, fieldSources: {} },
    } as unknown as Parameters<typeof requiredFieldsPresent>[0];
    const any = rules(
      'ANY',
      ['first_name', 'firstName'],
      ['last_name', 'lastName'],
      ['birth_date', 'dateOfBirth'],
    );
    assert.deepEqual(requiredFieldsPresent(evidence, [any]), { name: 'requiredFields', outcome: 'OK' });
    // The first name was read, but only from the printed fields: an MRZ requirement is not met by them.
    const fromMrz = rules('MRZ', ['first_name', 'firstName'], ['document_number', 'documentNumber']);
    const missing = requiredFieldsPresent(evidence, [any, fromMrz]);
    assert.deepEqual(missing, {
      name: 'requiredFields',
      outcome: 'WARNING',
      label: 'REQUIRED_FIELD_MISSING',
      fields: ['mrz.first_name'],
    });
    assert.deepEqual(verdict([{ name: 'expiry', outcome: 'OK' }, missing]), [
      'WARNING',
      'REQUIRED_FIELD_MISSING',
    ]);
    const noBarcode = requiredFieldsPresent(evidence, [rules('BARCODE', ['address', 'address'])]);
    assert.deepEqual(noBarcode.fields, ['barcode.address']);
  });
});

describe('sanctions name tolerance reaches the screening', () => {
  it('a near name matches at the default tolerance and not at a stricter weight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idv-sdn-'));
    try {
      const path = join(dir, 'sdn.csv');
      writeFileSync(path, '4711,"KOWALCZYK, Maria","individual","SDGT",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n');
      const screener = await sanctionsScreener(path)();
      assert.ok(screener);
      // One letter off in the surname: similar enough for the default (0.15), not for 0.02.
      const person = { firstName: 'Maria', lastName: 'KOWALCZIK' };
      assert.equal((await screener.screen(person)).length, 1);
      assert.equal((await screener.screen(person, { tolerance: 0.15 })).length, 1);
      assert.equal((await screener.screen(person, { tolerance: 0.02 })).length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Two full decisions (generated passport + selfie + passive liveness burst): the weights in force decide. */
const [first] = testDatabases();
describe(`a decision uses the weights in force (${first!.name})`, { timeout: 600_000 }, () => {
  let app: TestApp;
  let client: TestClient;
  // The holder of runIdvSession's generated passport.
  const holder = specimenHolder(23);
  before(async () => {
    await Promise.all([makeLivenessFixtures(), makeWidgetFixtures()]);
    app = await openTestApp(first!);
    client = await createTestClient(app);
  });
  after(() => app.close());

  /** A KYC session for the holder's passport, through capture and processing; its decision and recorded weights. */
  async function decide(): Promise<{ details: ExecutionDetails; weightsId: string | null }> {
    const { created } = await runIdvSession(app, client, null);
    const executionPath = pathOf(created.workflowExecution.credentials[0]?.api?.workflowExecution ?? '');
    const response = await app.request(executionPath, { headers: client.auth });
    const details = ExecutionDetails.parse(await response.json());
    const session = await kycDb(app.idv.ctx)
      .selectFrom('kyc_sessions')
      .select('idv_weights_id')
      .where('execution_id', '=', created.workflowExecution.id)
      .executeTakeFirstOrThrow();
    return { details, weightsId: session.idv_weights_id };
  }

  it('rejects as underage once minimum_age is above the holder’s age; the earlier session keeps its weights', async () => {
    const before = await decide();
    const summary = (d: ExecutionDetails) =>
      JSON.stringify(
        Object.fromEntries(
          Object.entries(d.capabilities).map(([k, r]) => [k, r.map((x) => x.decision.details.label)]),
        ),
      );
    assert.deepEqual(
      [before.details.decision?.type, before.details.decision?.details.label],
      ['PASSED', 'OK'],
      summary(before.details),
    );
    assert.ok(before.weightsId, 'the decision recorded its weights version');

    const age = yearsBetween(holder.birthDate, app.clock.now());
    const updated = await post(app, client, '/weights/update', { weights: { minimum_age: age + 1 } });
    assert.equal(updated.status, 200);

    const afterUpdate = await decide();
    const dataChecks = afterUpdate.details.capabilities.dataChecks?.[0]?.decision;
    assert.deepEqual(
      [dataChecks?.type, dataChecks?.details.label],
      ['REJECTED', 'UNDERAGE'],
      summary(afterUpdate.details),
    );
    assert.equal(afterUpdate.details.decision?.type, 'REJECTED');
    assert.equal(afterUpdate.weightsId, updated.body.idv_weights_id);

    // The first session's recorded version reads back the weights it was decided with.
    const old = await post(app, client, '/weights/read-by-id', { idv_weights_id: before.weightsId });
    assert.equal(old.status, 200);
    assert.equal(old.body.weights.minimum_age, null);
    assert.equal(old.body.version, 1);
  });
});
