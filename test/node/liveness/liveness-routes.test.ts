/**
 * Liveness API without face analysis: who needs liveness, challenge issuance, the frame upload's input checks (each a
 * specific code, never 500, earlier frames kept), single use, expiry, replayed nonces, the 5-failure limit, the
 * capability in the decision, and PII deletion of the frames.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ExecutionDetails,
  LIVENESS_MAX_FAILED_CHALLENGES,
  SessionResponse,
} from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  captureEverything,
  createTestClient,
  makeJpeg,
  pathOf,
  type TestApp,
  type TestClient,
  widgetAuth,
} from '../../support/server.js';
import {
  complete,
  completeRequest,
  createLivenessAccount,
  type ErrorBody,
  frameForm,
  issueChallenge,
  openLivenessApp,
  pinnedDraw,
  requestChallenge,
  storedChallenge,
  uploadFrame,
} from './liveness-client.js';

function liveFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter(
        (entry) => entry.isFile() && join(entry.parentPath, entry.name).includes(`${'/'}liveness${'/'}`),
      )
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

const code = async (response: Response) => ((await response.json()) as ErrorBody).error.code;

for (const target of testDatabases()) {
  describe(`liveness API (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    let frame: Buffer;
    before(async () => {
      app = await openLivenessApp(target, pinnedDraw(['turn-left', 'look-up', 'turn-right']));
      client = await createTestClient(app);
      frame = await makeJpeg(320, 240, 7);
    });
    after(() => app.close());

    const session = async (created: { sdk: { token: string } }) => {
      const response = await app.request('/api/v1/session', {
        headers: { authorization: `Bearer ${created.sdk.token}` },
      });
      return SessionResponse.parse(await response.json());
    };
    /** Finalizes as the widget does, runs the processing, and reads the execution's details as the customer. */
    const finalizeAndRetrieve = async (created: Awaited<ReturnType<typeof createLivenessAccount>>) => {
      const executionPath = pathOf(created.workflowExecution.credentials[0].api!.workflowExecution);
      assert.equal(
        (await app.request(executionPath, { method: 'PUT', headers: widgetAuth(created) })).status,
        200,
      );
      await app.idv.runDueWork();
      return ExecutionDetails.parse(
        await (await app.request(executionPath, { headers: client.auth })).json(),
      );
    };
    const meta = (nonce: string, index: number, extra: Record<string, unknown> = {}) => ({
      nonce,
      index,
      kind: 'neutral' as const,
      step: 0,
      capturedAtMs: index * 100,
      ...extra,
    });

    it('asks both workflows for liveness: 10011 passive by default, the account’s mode otherwise', async () => {
      const idOnly = await createLivenessAccount(app, client, 'passive', 10011);
      const view = await session(idOnly);
      assert.equal(view.liveness.status, 'REQUIRED');
      assert.equal(view.liveness.mode, 'passive');
      assert.equal(view.links.liveness, 'http://idv.test/api/v1/session/liveness');
      const burst = await issueChallenge(app, idOnly);
      assert.equal(burst.mode, 'passive');
      assert.deepEqual(burst.actions, []);
      assert.equal(burst.burstFrames, 3);
      const activeIdOnly = await createLivenessAccount(app, client, 'passive_active', 10011);
      assert.ok(
        (await issueChallenge(app, activeIdOnly)).actions.length >= 2,
        '10011 honours passive_active',
      );

      const identity = await createLivenessAccount(app, client, 'passive_active');
      const required = await session(identity);
      assert.equal(required.liveness.status, 'REQUIRED');
      assert.equal(required.liveness.mode, 'passive_active');
      assert.equal(required.links.liveness, 'http://idv.test/api/v1/session/liveness');
    });

    it('issues an active challenge: the drawn actions, a nonce, a 3-minute expiry, links', async () => {
      const created = await createLivenessAccount(app, client);
      const challenge = await issueChallenge(app, created);
      assert.equal(challenge.mode, 'passive_active');
      assert.deepEqual(challenge.actions, ['turn-left', 'look-up', 'turn-right']);
      assert.ok(challenge.nonce.length >= 16);
      assert.equal(challenge.issuedAt, app.clock.now().toISOString());
      assert.equal(Date.parse(challenge.expiresAt) - Date.parse(challenge.issuedAt), 3 * 60_000);
      assert.equal(challenge.attemptsLeft, LIVENESS_MAX_FAILED_CHALLENGES);
      assert.equal(challenge.links.frames, `http://idv.test/api/v1/session/liveness/${challenge.id}/frames`);
      assert.equal(
        challenge.links.complete,
        `http://idv.test/api/v1/session/liveness/${challenge.id}/complete`,
      );
      const again = await issueChallenge(app, created);
      assert.notEqual(again.nonce, challenge.nonce, 'every challenge has its own nonce');
      assert.equal(again.attemptsLeft, LIVENESS_MAX_FAILED_CHALLENGES - 1, 'the open one was abandoned');
      assert.equal((await storedChallenge(app, challenge.id)).label, 'CHALLENGE_ABANDONED');
    });

    it('issues a passive challenge as a frame burst with a nonce', async () => {
      const created = await createLivenessAccount(app, client, 'passive');
      const challenge = await issueChallenge(app, created);
      assert.equal(challenge.mode, 'passive');
      assert.deepEqual(challenge.actions, []);
      assert.equal(challenge.burstFrames, 3);
      const wrongKind = await uploadFrame(app, created, challenge, frame, meta(challenge.nonce, 0));
      assert.equal(wrongKind.status, 422);
      assert.equal(await code(wrongKind), 'FRAME_REJECTED');
      const burst = await uploadFrame(
        app,
        created,
        challenge,
        frame,
        meta(challenge.nonce, 0, { kind: 'burst' }),
      );
      assert.equal(burst.status, 201);
    });

    it('answers each bad frame upload with its own code and keeps the frames stored before', async () => {
      const created = await createLivenessAccount(app, client);
      const challenge = await issueChallenge(app, created);
      const first = await uploadFrame(app, created, challenge, frame, meta(challenge.nonce, 0));
      assert.equal(first.status, 201);
      const stored = (await first.json()) as { frame: { index: number; sha256: string; bytes: number } };
      assert.equal(stored.frame.index, 0);
      assert.equal(stored.frame.sha256.length, 64);

      const cases: Array<[string, () => Promise<Response>, number, string]> = [
        ['meta not JSON', () => uploadFrame(app, created, challenge, frame, '{nonce:'), 400, 'BAD_REQUEST'],
        [
          'meta missing',
          () => uploadFrame(app, created, challenge, frame, undefined),
          422,
          'VALIDATION_FAILED',
        ],
        [
          'meta with a wrong type',
          () =>
            uploadFrame(app, created, challenge, frame, {
              ...meta(challenge.nonce, 1),
              kind: 'selfie',
            } as never),
          422,
          'VALIDATION_FAILED',
        ],
        [
          'meta with an unknown field',
          () =>
            uploadFrame(app, created, challenge, frame, { ...meta(challenge.nonce, 1), score: 1 } as never),
          400,
          'UNKNOWN_FIELD',
        ],
        [
          'index out of range',
          () => uploadFrame(app, created, challenge, frame, meta(challenge.nonce, 12)),
          422,
          'VALIDATION_FAILED',
        ],
        [
          'index reused with other bytes',
          async () =>
            uploadFrame(app, created, challenge, await makeJpeg(320, 240, 8), meta(challenge.nonce, 0)),
          409,
          'CONFLICT',
        ],
        [
          'another challenge’s nonce',
          () => uploadFrame(app, created, challenge, frame, meta('not-the-nonce', 1)),
          422,
          'NONCE_MISMATCH',
        ],
        [
          'a step the challenge does not have',
          () =>
            uploadFrame(app, created, challenge, frame, meta(challenge.nonce, 1, { kind: 'peak', step: 3 })),
          422,
          'FRAME_REJECTED',
        ],
        [
          'an action tag that is not the step’s',
          () =>
            uploadFrame(
              app,
              created,
              challenge,
              frame,
              meta(challenge.nonce, 1, { kind: 'peak', step: 0, action: 'turn-right' }),
            ),
          422,
          'FRAME_REJECTED',
        ],
        [
          'no file',
          () => uploadFrame(app, created, challenge, undefined, meta(challenge.nonce, 1)),
          422,
          'MISSING_FILE',
        ],
        [
          'not an image',
          () =>
            uploadFrame(app, created, challenge, Buffer.from('GIF89a not a frame'), meta(challenge.nonce, 1)),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
        [
          'a frame over 80 KB',
          async () => {
            const big = await makeJpeg(500, 380, 3);
            assert.ok(big.length > 80 * 1024 && big.length < 96 * 1024, `fixture is ${big.length} bytes`);
            return uploadFrame(app, created, challenge, big, meta(challenge.nonce, 1));
          },
          413,
          'IMAGE_TOO_LARGE',
        ],
        [
          'a body far over the frame limit',
          async () =>
            uploadFrame(app, created, challenge, await makeJpeg(1600, 1200, 3), meta(challenge.nonce, 1)),
          413,
          'IMAGE_TOO_LARGE',
        ],
        [
          'not multipart',
          () =>
            app.request(pathOf(challenge.links.frames), {
              method: 'POST',
              headers: { ...widgetAuth(created), 'content-type': 'image/jpeg' },
              body: new Uint8Array(frame),
            }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ],
        [
          'a challenge id that does not exist',
          () =>
            app.request('/api/v1/session/liveness/00000000-0000-0000-0000-000000000000/frames', {
              method: 'POST',
              headers: widgetAuth(created),
              body: frameForm(frame, meta(challenge.nonce, 1)),
            }),
          404,
          'NOT_FOUND',
        ],
      ];
      for (const [name, send, status, expected] of cases) {
        const response = await send();
        assert.equal(response.status, status, name);
        assert.equal(await code(response), expected, name);
      }
      const retried = await uploadFrame(app, created, challenge, frame, meta(challenge.nonce, 0));
      assert.equal(retried.status, 200, 'a retried upload of the same frame answers like the first');
      assert.deepEqual(await retried.json(), stored);
      const frames = await app.idv.ctx.db
        .selectFrom('liveness_frames')
        .select(['frame_index', 'sha256'])
        .where('challenge_id', '=', challenge.id)
        .execute();
      assert.deepEqual(
        frames,
        [{ frame_index: 0, sha256: stored.frame.sha256 }],
        'the first frame is kept, alone',
      );
      const second = await uploadFrame(
        app,
        created,
        challenge,
        frame,
        meta(challenge.nonce, 1, { capturedAtMs: 500 }),
      );
      assert.equal(second.status, 201, 'the challenge still takes frames');
    });

    it('refuses another execution’s challenge and an expired token', async () => {
      const owner = await createLivenessAccount(app, client);
      const intruder = await createLivenessAccount(app, client);
      const challenge = await issueChallenge(app, owner);
      const foreign = await uploadFrame(app, intruder, challenge, frame, meta(challenge.nonce, 0));
      assert.equal(foreign.status, 403);
      assert.equal(await code(foreign), 'FORBIDDEN');
      const foreignComplete = await completeRequest(app, intruder, challenge, challenge.nonce);
      assert.equal(foreignComplete.status, 403);
      app.clock.advance(31 * 60_000);
      const late = await uploadFrame(app, owner, challenge, frame, meta(challenge.nonce, 0));
      assert.equal(late.status, 401);
      assert.equal(await code(late), 'TOKEN_EXPIRED');
    });

    it('uses a challenge once and refuses a replayed nonce', async () => {
      const created = await createLivenessAccount(app, client);
      const first = await issueChallenge(app, created);
      const wrongNonce = await completeRequest(app, created, first, 'guessed-nonce');
      assert.equal(wrongNonce.status, 422);
      assert.equal(await code(wrongNonce), 'NONCE_MISMATCH');
      // Nothing uploaded: verified, failed, one attempt used.
      assert.deepEqual(await complete(app, created, first), { status: 'RETRY', attemptsLeft: 4 });
      assert.equal((await storedChallenge(app, first.id)).label, 'MISSING_FRAMES');
      const again = await completeRequest(app, created, first, first.nonce);
      assert.equal(again.status, 409);
      assert.equal(await code(again), 'CHALLENGE_ALREADY_USED');
      const lateFrame = await uploadFrame(app, created, first, frame, meta(first.nonce, 0));
      assert.equal(lateFrame.status, 409);
      assert.equal(await code(lateFrame), 'CHALLENGE_ALREADY_USED');
      const second = await issueChallenge(app, created);
      const replayed = await uploadFrame(app, created, second, frame, meta(first.nonce, 0));
      assert.equal(replayed.status, 422);
      assert.equal(await code(replayed), 'NONCE_MISMATCH');
      const replayedComplete = await completeRequest(app, created, second, first.nonce);
      assert.equal(replayedComplete.status, 422);
      assert.equal(await code(replayedComplete), 'NONCE_MISMATCH');
    });

    it('expires a challenge after 3 minutes: frames and complete are refused and the attempt counts', async () => {
      const created = await createLivenessAccount(app, client);
      const challenge = await issueChallenge(app, created);
      assert.equal((await uploadFrame(app, created, challenge, frame, meta(challenge.nonce, 0))).status, 201);
      app.clock.advance(3 * 60_000);
      const late = await uploadFrame(
        app,
        created,
        challenge,
        frame,
        meta(challenge.nonce, 1, { capturedAtMs: 400 }),
      );
      assert.equal(late.status, 410);
      assert.equal(await code(late), 'CHALLENGE_EXPIRED');
      const lateComplete = await completeRequest(app, created, challenge, challenge.nonce);
      assert.equal(lateComplete.status, 410);
      assert.equal(await code(lateComplete), 'CHALLENGE_EXPIRED');
      const stored = await storedChallenge(app, challenge.id);
      assert.deepEqual([stored.status, stored.label], ['EXPIRED', 'CHALLENGE_EXPIRED']);
      const next = await issueChallenge(app, created);
      assert.equal(next.attemptsLeft, LIVENESS_MAX_FAILED_CHALLENGES - 1);
    });

    it('after 5 failed challenges: EXHAUSTED, no new challenge, liveness REJECTED in the decision', async () => {
      const created = await createLivenessAccount(app, client);
      await captureEverything(app, created);
      const answers = [];
      for (let attempt = 0; attempt < LIVENESS_MAX_FAILED_CHALLENGES; attempt++) {
        const challenge = await issueChallenge(app, created);
        answers.push(await complete(app, created, challenge));
      }
      assert.deepEqual(
        answers.map((a) => `${a.status} ${a.attemptsLeft}`),
        ['RETRY 4', 'RETRY 3', 'RETRY 2', 'RETRY 1', 'EXHAUSTED 0'],
      );
      const refused = await requestChallenge(app, created);
      assert.equal(refused.status, 409);
      assert.equal(await code(refused), 'LIVENESS_ATTEMPTS_EXHAUSTED');
      assert.equal((await session(created)).liveness.status, 'EXHAUSTED');

      const details = await finalizeAndRetrieve(created);
      const [liveness, ...rest] = details.capabilities.liveness ?? [];
      assert.equal(rest.length, 0);
      assert.deepEqual(
        [liveness?.decision.type, liveness?.decision.details.label],
        ['REJECTED', 'MISSING_FRAMES'],
      );
      assert.equal(details.decision?.type, 'REJECTED');
      assert.ok(!JSON.stringify(details).includes('nonce'), 'no challenge secrets in retrieval');
    });

    it('rejects liveness of a 10013 execution that never completed a challenge', async () => {
      const created = await createLivenessAccount(app, client);
      await captureEverything(app, created);
      const details = await finalizeAndRetrieve(created);
      const liveness = details.capabilities.liveness?.[0];
      assert.deepEqual(
        [liveness?.decision.type, liveness?.decision.details.label],
        ['REJECTED', 'LIVENESS_UNDETERMINED'],
      );
      assert.equal(details.decision?.type, 'REJECTED');
    });

    it('rejects liveness of a 10011 execution that never completed its passive challenge', async () => {
      const created = await createLivenessAccount(app, client, 'passive', 10011);
      await captureEverything(app, created);
      const details = await finalizeAndRetrieve(created);
      const liveness = details.capabilities.liveness?.[0];
      assert.deepEqual(
        [liveness?.decision.type, liveness?.decision.details.label, liveness?.data?.mode],
        ['REJECTED', 'LIVENESS_UNDETERMINED', 'passive'],
      );
      assert.notEqual(details.decision?.type, 'PASSED');
    });

    it('deletes the liveness frames with the execution’s PII', async () => {
      const created = await createLivenessAccount(app, client);
      const challenge = await issueChallenge(app, created);
      for (const index of [0, 1]) {
        const response = await uploadFrame(
          app,
          created,
          challenge,
          await makeJpeg(320, 240, 20 + index),
          meta(challenge.nonce, index, { capturedAtMs: 100 + index * 400 }),
        );
        assert.equal(response.status, 201);
      }
      const blobs = join(app.dataDir, 'blobs', 'executions', created.workflowExecution.id);
      assert.equal(liveFiles(blobs).length, 2, 'frames are stored under executions/<id>/liveness/');
      const executionPath = pathOf(created.workflowExecution.credentials[0].api!.workflowExecution);
      const wiped = await app.request(executionPath, { method: 'DELETE', headers: client.auth });
      assert.equal(wiped.status, 204);
      assert.deepEqual(liveFiles(blobs), []);
      const rows = await app.idv.ctx.db
        .selectFrom('liveness_frames')
        .select('frame_index')
        .where('execution_id', '=', created.workflowExecution.id)
        .execute();
      assert.deepEqual(rows, [], 'the frame rows go with the images');
    });
  });
}
