/**
 * Liveness verification end to end on the server's real face models and the synthetic head-pose frames
 * (scripts/make-liveness-fixtures.ts): an honest sequence passes, and each attack is rejected with its label (stored
 * on the challenge, never sent to the widget, which only learns DONE / RETRY). Then the pipeline binds the passed
 * challenge to the selfie.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  type LivenessPerson,
  type LivenessPose,
  livenessFramePath,
  makeLivenessFixtures,
} from '../../../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures, WIDGET_FIXTURES_DIR } from '../../../scripts/make-widget-fixtures.js';
import { DEFAULT_LIVENESS_OPTIONS } from '../../../src/server/liveness/liveness-options.js';
import {
  type CreateAccountResponse,
  ExecutionDetails,
  type LivenessChallenge,
  SessionResponse,
} from '../../../src/shared/api/index.js';
import { testDatabases } from '../../support/databases.js';
import {
  createTestClient,
  makeJpeg,
  pathOf,
  type TestApp,
  type TestClient,
  uploadForm,
  widgetAuth,
} from '../../support/server.js';
import {
  complete,
  createLivenessAccount,
  issueChallenge,
  openLivenessApp,
  pinnedDraw,
  storedChallenge,
  uploadFrame,
} from './liveness-client.js';

const framePath = (person: LivenessPerson, pose: LivenessPose, percent?: number) =>
  livenessFramePath(person, pose, percent);
const frame = (person: LivenessPerson, pose: LivenessPose, percent?: number) =>
  readFileSync(framePath(person, pose, percent));

interface PlannedFrame {
  bytes: Buffer;
  kind: 'neutral' | 'peak' | 'burst';
  step: number;
  /** Default: 600 ms after the previous frame. */
  gapMs?: number;
}

const neutral = (step: number, bytes = frame('astronaut', 'neutral')): PlannedFrame => ({
  bytes,
  kind: 'neutral',
  step,
});
const peak = (step: number, bytes: Buffer, gapMs?: number): PlannedFrame => ({
  bytes,
  kind: 'peak',
  step,
  ...(gapMs ? { gapMs } : {}),
});
const burst = (bytes: Buffer): PlannedFrame => ({ bytes, kind: 'burst', step: 0, gapMs: 150 });

/** One photo as a camera pointed at a still picture would deliver it: new bytes every time, the same pixels. */
const reencoded = (bytes: Buffer, quality: number) => sharp(bytes).jpeg({ quality }).toBuffer();

/** Uploads the frames in order, the server clock moving along with the claimed capture times, then completes. */
async function runChallenge(
  app: TestApp,
  created: CreateAccountResponse,
  plan: PlannedFrame[],
  challenge?: LivenessChallenge,
) {
  const issued = challenge ?? (await issueChallenge(app, created));
  let capturedAtMs = 0;
  for (const [index, planned] of plan.entries()) {
    const gap = planned.gapMs ?? 600;
    capturedAtMs += gap;
    app.clock.advance(gap);
    const response = await uploadFrame(app, created, issued, planned.bytes, {
      nonce: issued.nonce,
      index,
      kind: planned.kind,
      step: planned.step,
      capturedAtMs,
    });
    assert.equal(response.status, 201, `frame ${index}: ${await response.text()}`);
  }
  const answer = await complete(app, created, issued);
  const stored = await storedChallenge(app, issued.id);
  return {
    answer,
    label: stored.label,
    measures: JSON.parse(stored.measures ?? '{}') as Record<string, unknown>,
  };
}

for (const target of testDatabases()) {
  describe(`liveness verification on real face models (${target.name})`, () => {
    let app: TestApp;
    let client: TestClient;
    let selfie: Buffer;
    before(async () => {
      await Promise.all([makeLivenessFixtures(), makeWidgetFixtures()]);
      selfie = readFileSync(join(WIDGET_FIXTURES_DIR, 'face-1280.png'));
      // Pinned draw: always turn-left, then look-up, then move-closer.
      app = await openLivenessApp(target, pinnedDraw(['turn-left', 'look-up', 'move-closer']));
      client = await createTestClient(app);
    });
    after(() => app.close());

    async function uploadSelfie(created: CreateAccountResponse, bytes: Buffer) {
      const selfieCredential = created.workflowExecution.credentials.find((c) => c.category === 'SELFIE');
      assert.ok(selfieCredential?.api?.parts.face);
      const response = await app.request(pathOf(selfieCredential.api.parts.face), {
        method: 'POST',
        headers: widgetAuth(created),
        body: uploadForm(bytes, 'selfie.png', 'image/png'),
      });
      assert.equal(response.status, 201, await response.text());
    }

    /** Consent, document, ID pages (noise), finalize, process; returns the liveness capability result. */
    async function finalizeAndProcess(created: CreateAccountResponse) {
      const headers = { ...widgetAuth(created), 'content-type': 'application/json' };
      await app.request('/api/v1/session/consent', {
        method: 'POST',
        headers,
        body: JSON.stringify({ accepted: true }),
      });
      await app.request('/api/v1/session/document', {
        method: 'PUT',
        headers,
        body: JSON.stringify({ type: 'ID_CARD', country: 'DEU' }),
      });
      const id = created.workflowExecution.credentials.find((c) => c.category === 'ID');
      for (const url of [id?.api?.parts.front, id?.api?.parts.back]) {
        assert.ok(url);
        const response = await app.request(pathOf(url), {
          method: 'POST',
          headers: widgetAuth(created),
          body: uploadForm(await makeJpeg(800, 600, 5)),
        });
        assert.equal(response.status, 201);
      }
      const executionPath = pathOf(created.workflowExecution.credentials[0]?.api?.workflowExecution ?? '');
      const finalized = await app.request(executionPath, { method: 'PUT', headers: widgetAuth(created) });
      assert.equal(finalized.status, 200, await finalized.text());
      await app.idv.runDueWork();
      const details = ExecutionDetails.parse(
        await (await app.request(executionPath, { headers: client.auth })).json(),
      );
      return details.capabilities.liveness?.[0];
    }

    const honestPlan = (): PlannedFrame[] => [
      neutral(0),
      peak(0, frame('astronaut', 'turn-left')),
      neutral(1, frame('astronaut', 'sway-a')),
      peak(1, frame('astronaut', 'look-up')),
      neutral(2, frame('astronaut', 'sway-b')),
      peak(2, frame('astronaut', 'move-closer')),
    ];

    it('passes an honest sequence, reports DONE, and the pipeline passes liveness against the selfie', async () => {
      const created = await createLivenessAccount(app, client);
      await uploadSelfie(created, selfie);
      const { answer, label, measures } = await runChallenge(app, created, honestPlan());
      assert.deepEqual(answer, { status: 'DONE', attemptsLeft: 5 });
      assert.equal(label, 'OK');
      const progress = measures.stepProgress as number[];
      assert.equal(progress.length, 3);
      for (const p of progress) assert.ok(p >= 1, `every action measured past the threshold: ${progress}`);
      assert.ok((measures.selfieDistance as number) < 0.44, 'compared with the selfie at complete');
      const session = SessionResponse.parse(
        await (await app.request('/api/v1/session', { headers: widgetAuth(created) })).json(),
      );
      assert.equal(session.liveness.status, 'DONE');
      const again = await app.request('/api/v1/session/liveness', {
        method: 'POST',
        headers: widgetAuth(created),
      });
      assert.equal(again.status, 409, 'no new challenge once done');

      const liveness = await finalizeAndProcess(created);
      assert.deepEqual([liveness?.decision.type, liveness?.decision.details.label], ['PASSED', 'OK']);
      assert.ok((liveness?.data?.selfieDistance as number) < 0.44);
    });

    it('rejects a photo held still: new bytes each frame, no pose change', async () => {
      const created = await createLivenessAccount(app, client);
      const still = frame('astronaut', 'neutral');
      const { answer, label } = await runChallenge(app, created, [
        neutral(0, still),
        peak(0, await reencoded(still, 90)),
        peak(1, await reencoded(still, 80)),
        peak(2, await reencoded(still, 70)),
      ]);
      assert.deepEqual(answer, { status: 'RETRY', attemptsLeft: 4 });
      assert.equal(label, 'ACTION_NOT_PERFORMED');
    });

    it('rejects the actions in the wrong order', async () => {
      const created = await createLivenessAccount(app, client);
      const { answer, label, measures } = await runChallenge(app, created, [
        neutral(0),
        peak(0, frame('astronaut', 'look-up')),
        peak(1, frame('astronaut', 'turn-left')),
        peak(2, frame('astronaut', 'move-closer')),
      ]);
      assert.equal(answer.status, 'RETRY');
      assert.equal(label, 'ACTIONS_OUT_OF_ORDER');
      assert.equal(measures.shownAction, 'look-up');
    });

    it('rejects another person’s frame swapped in mid-sequence', async () => {
      const created = await createLivenessAccount(app, client);
      const plan = honestPlan();
      plan[2] = neutral(1, frame('other', 'neutral'));
      const { answer, label, measures } = await runChallenge(app, created, plan);
      assert.equal(answer.status, 'RETRY');
      assert.equal(label, 'DIFFERENT_PERSON');
      assert.equal(measures.frame, 2);
    });

    it('rejects forged step tags: a turn-right frame as the turn-left peak, a neutral frame as a peak', async () => {
      const created = await createLivenessAccount(app, client);
      const plan = honestPlan();
      plan[1] = peak(0, frame('astronaut', 'turn-right'));
      const wrongTurn = await runChallenge(app, created, plan);
      assert.equal(wrongTurn.answer.status, 'RETRY');
      assert.equal(wrongTurn.label, 'ACTION_NOT_PERFORMED');
      assert.ok((wrongTurn.measures.stepProgress as number[])[0]! < 0, 'turned the other way');

      const neutralAsPeak = honestPlan();
      neutralAsPeak[3] = peak(1, await reencoded(frame('astronaut', 'neutral'), 75));
      const still = await runChallenge(app, created, neutralAsPeak);
      assert.equal(still.answer.status, 'RETRY');
      assert.equal(still.label, 'ACTION_NOT_PERFORMED');
      assert.deepEqual((still.measures as { step: number }).step, 1);
    });

    it('rejects duplicate frames and implausible timings before any face analysis', async () => {
      const created = await createLivenessAccount(app, client);
      const duplicate = honestPlan();
      duplicate[5] = peak(2, frame('astronaut', 'look-up'));
      assert.equal((await runChallenge(app, created, duplicate)).label, 'DUPLICATE_FRAMES');

      const hasty = honestPlan();
      hasty[3] = peak(1, frame('astronaut', 'look-up'), 100);
      hasty[4] = neutral(2, frame('astronaut', 'sway-b'));
      hasty[4].gapMs = 50;
      hasty[5] = peak(2, frame('astronaut', 'move-closer'), 100);
      const fast = await runChallenge(app, created, hasty);
      assert.equal(fast.label, 'IMPLAUSIBLE_TIMING');
      assert.equal(fast.measures.reason, 'peaks too close');

      // Capture times claimed later than the frames arrived (the server clock stands still).
      const challenge = await issueChallenge(app, created);
      for (const [index, planned] of honestPlan().entries()) {
        const response = await uploadFrame(app, created, challenge, planned.bytes, {
          nonce: challenge.nonce,
          index,
          kind: planned.kind,
          step: planned.step,
          capturedAtMs: 5000 + index * 600,
        });
        assert.equal(response.status, 201);
      }
      assert.deepEqual(await complete(app, created, challenge), { status: 'RETRY', attemptsLeft: 2 });
      const stored = await storedChallenge(app, challenge.id);
      assert.equal(stored.label, 'IMPLAUSIBLE_TIMING');
      assert.equal(JSON.parse(stored.measures ?? '{}').reason, 'captured after arrival');
    });

    it('rejects a passing sequence whose person is not the selfie’s', async () => {
      const created = await createLivenessAccount(app, client);
      await uploadSelfie(created, frame('other', 'neutral'));
      const { answer, label } = await runChallenge(app, created, honestPlan());
      assert.equal(answer.status, 'RETRY');
      assert.equal(label, 'DIFFERENT_PERSON');
    });

    it('binds liveness to the selfie in the pipeline: a selfie of someone else uploaded afterwards is rejected', async () => {
      const created = await createLivenessAccount(app, client);
      const { answer } = await runChallenge(app, created, honestPlan());
      assert.equal(answer.status, 'DONE', 'no selfie yet: nothing to compare at complete');
      await uploadSelfie(created, frame('other', 'neutral'));
      const liveness = await finalizeAndProcess(created);
      assert.deepEqual(
        [liveness?.decision.type, liveness?.decision.details.label],
        ['REJECTED', 'DIFFERENT_PERSON'],
      );
    });

    it('passive burst: natural micro-motion passes; one photo uploaded several times does not', async () => {
      const honest = await createLivenessAccount(app, client, 'passive');
      const pass = await runChallenge(app, honest, [
        burst(frame('astronaut', 'neutral')),
        burst(frame('astronaut', 'sway-a')),
        burst(frame('astronaut', 'sway-b')),
      ]);
      assert.deepEqual(pass.answer, { status: 'DONE', attemptsLeft: 5 });
      assert.ok((pass.measures.motion as number) >= DEFAULT_LIVENESS_OPTIONS.minBurstMotion);

      const replay = await createLivenessAccount(app, client, 'passive');
      const photo = frame('astronaut', 'neutral');
      const sameBytes = await runChallenge(app, replay, [burst(photo), burst(photo), burst(photo)]);
      assert.equal(sameBytes.answer.status, 'RETRY');
      assert.equal(sameBytes.label, 'DUPLICATE_FRAMES');
      const reencodes = await runChallenge(app, replay, [
        burst(photo),
        burst(await reencoded(photo, 85)),
        burst(await reencoded(photo, 60)),
      ]);
      assert.equal(reencodes.answer.status, 'RETRY');
      assert.equal(reencodes.label, 'NO_NATURAL_MOTION');
      assert.ok((reencodes.measures.motion as number) < DEFAULT_LIVENESS_OPTIONS.minBurstMotion);
    });
  });

  // Its own app, opened after the main one closed: test/support/databases.ts cannot migrate two PostgreSQL schemas
  // side by side in one process (Kysely finds the other schema's migration tables).
  describe(`liveness verification with blink opted in (${target.name})`, () => {
    let blinkApp: TestApp;
    let blinkClient: TestClient;
    before(async () => {
      await makeLivenessFixtures();
      blinkApp = await openLivenessApp(target, pinnedDraw(['blink', 'turn-right']));
      blinkClient = await createTestClient(blinkApp);
    });
    after(() => blinkApp.close());

    it('passes an honest blink and turn', async () => {
      const created = await createLivenessAccount(blinkApp, blinkClient);
      const challenge = await issueChallenge(blinkApp, created);
      assert.deepEqual(challenge.actions, ['blink', 'turn-right']);
      const plan = [
        neutral(0),
        peak(0, frame('astronaut', 'blink')),
        neutral(1, frame('astronaut', 'sway-a')),
        peak(1, frame('astronaut', 'turn-right')),
      ];
      const { answer, label } = await runChallenge(blinkApp, created, plan, challenge);
      assert.equal(answer.status, 'DONE');
      assert.equal(label, 'OK');
    });

    it('rejects open eyes tagged as the blink peak', async () => {
      const created = await createLivenessAccount(blinkApp, blinkClient);
      const challenge = await issueChallenge(blinkApp, created);
      const plan = [
        neutral(0),
        peak(0, frame('astronaut', 'sway-b')),
        neutral(1, frame('astronaut', 'sway-a')),
        peak(1, frame('astronaut', 'turn-right')),
      ];
      const { answer, label } = await runChallenge(blinkApp, created, plan, challenge);
      assert.equal(answer.status, 'RETRY');
      assert.equal(label, 'ACTION_NOT_PERFORMED');
    });
  });
}
