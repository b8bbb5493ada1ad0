/**
 * A client's own face-match threshold (the KYC seed's `onboarding_face_encoding_tolerance`): stored on the client
 * (migration 500_face_settings), range-checked, and handed to the pipeline by the processing job.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DEFAULT_FACE_MATCH_THRESHOLD,
  FACE_MATCH_THRESHOLD_RANGE,
} from '../../../src/server/faces/face-match.js';
import {
  clientFaceMatchSettings,
  FaceSettingsError,
  setClientFaceMatchThreshold,
} from '../../../src/server/faces/face-settings.js';
import { testDatabases } from '../../support/databases.js';
import { createTestClient, openTestApp, type TestApp, type TestClient } from '../../support/server.js';

for (const target of testDatabases()) {
  describe(`per-client face-match threshold (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    before(async () => {
      app = await openTestApp(target);
      client = await createTestClient(app);
    });
    after(() => app.close());

    it('is the calibrated default until the client sets its own, and the default again when cleared', async () => {
      const db = app.idv.ctx.db;
      assert.deepEqual(await clientFaceMatchSettings(db, client.id), {
        threshold: DEFAULT_FACE_MATCH_THRESHOLD,
      });
      await setClientFaceMatchThreshold(db, client.id, 0.32);
      assert.deepEqual(await clientFaceMatchSettings(db, client.id), { threshold: 0.32 });
      await setClientFaceMatchThreshold(db, client.id, null);
      assert.deepEqual(await clientFaceMatchSettings(db, client.id), {
        threshold: DEFAULT_FACE_MATCH_THRESHOLD,
      });
    });

    it('refuses a threshold outside the calibrated range with its own code, and keeps the stored one', async () => {
      const db = app.idv.ctx.db;
      await setClientFaceMatchThreshold(db, client.id, 0.4);
      for (const bad of [
        FACE_MATCH_THRESHOLD_RANGE.min - 0.01,
        FACE_MATCH_THRESHOLD_RANGE.max + 0.01,
        Number.NaN,
      ]) {
        await assert.rejects(
          setClientFaceMatchThreshold(db, client.id, bad),
          (error: unknown) =>
            error instanceof FaceSettingsError && error.code === 'INVALID_FACE_MATCH_THRESHOLD',
        );
      }
      assert.deepEqual(await clientFaceMatchSettings(db, client.id), { threshold: 0.4 });
    });
  });
}
