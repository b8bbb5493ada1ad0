import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type LivenessFrameTag,
  LivenessTracker,
  type LivenessTrackerOptions,
  type LivenessTrackerUpdate,
} from '../../../src/analysis/liveness-tracker.js';
import { DEVICE_ACTION_THRESHOLDS, type FaceMeasures } from '../../../src/analysis/liveness-measures.js';

const NEUTRAL: FaceMeasures = { yaw: 2, pitch: -1, roll: 0, faceWidth: 0.4, eyeOpenness: 0.3 };
const FRAME_MS = 100;

/** A face `turn` degrees of the user's own left turn (negative: right), `up` degrees up, `closer` × wider. */
function pose(change: { turn?: number; up?: number; closer?: number } = {}): FaceMeasures {
  return {
    ...NEUTRAL,
    yaw: NEUTRAL.yaw + (change.turn ?? 0),
    pitch: NEUTRAL.pitch + (change.up ?? 0),
    faceWidth: NEUTRAL.faceWidth * (change.closer ?? 1),
  };
}

const TURN = DEVICE_ACTION_THRESHOLDS.turnDegrees;

interface Run {
  tracker: LivenessTracker;
  updates: LivenessTrackerUpdate[];
  /** Every `send`, with the index of the frame whose image was kept for it. */
  sent: Array<LivenessFrameTag & { keptFrame: number; sentAt: number }>;
  feed(frames: Array<FaceMeasures | undefined>): void;
}

/** Runs frames through a tracker the way the capture side does: keep on `keep`, send what is kept on `send`. */
function run(options: LivenessTrackerOptions): Run {
  const tracker = new LivenessTracker(options);
  const updates: LivenessTrackerUpdate[] = [];
  const sent: Run['sent'] = [];
  let kept = -1;
  let frame = 0;
  return {
    tracker,
    updates,
    sent,
    feed(frames) {
      for (const face of frames) {
        const update = tracker.push(face, frame * FRAME_MS);
        updates.push(update);
        if (update.keep) kept = frame;
        if (update.send) sent.push({ ...update.send, keptFrame: kept, sentAt: frame });
        frame++;
      }
    },
  };
}

const repeat = <T>(value: T, times: number): T[] => Array.from({ length: times }, () => value);
const baseline = () => repeat(pose(), 5);

describe('LivenessTracker', () => {
  it('takes the median of the first steady frontal frames as neutral and sends a neutral frame for step 0', () => {
    const r = run({ actions: ['turn-left'] });
    // A frame looking away and a jerky one break the steady run; only then five steady frontal frames.
    r.feed([pose({ turn: 30 }), pose({ turn: 10 }), pose({ turn: 3 })]);
    assert.equal(r.tracker.phase, 'baseline');
    assert.equal(r.updates[0]!.hint, 'look-straight');
    assert.equal(r.updates[1]!.hint, 'hold-still');
    assert.equal(r.sent.length, 0);
    r.feed([pose({ turn: 1 }), pose({ turn: -1, up: 1 }), pose({ up: 2 }), pose({ up: 2 }), pose()]);
    assert.equal(r.tracker.phase, 'action');
    assert.deepEqual(r.tracker.neutral, { ...NEUTRAL, pitch: NEUTRAL.pitch + 1 });
    // The most frontal frame of the run is the one kept for the neutral frame.
    assert.deepEqual(r.sent, [{ kind: 'neutral', step: 0, keptFrame: 4, sentAt: 7 }]);
  });

  it('detects a turn held past the threshold and sends its peak frame, then the neutral frame after it', () => {
    const r = run({ actions: ['turn-left', 'look-up'] });
    r.feed(baseline());
    // Turning: 0.5, 1.1 (1 frame above), 1.4, 1.6 (peak) … held 400 ms from the second frame above the threshold.
    const turn = [0.5, 1.1, 1.4, 1.6, 1.5, 1.3, 1.2, 1.2].map((p) => pose({ turn: p * TURN }));
    r.feed(turn);
    const peak = r.sent.find((s) => s.kind === 'peak');
    assert.ok(peak, 'a peak frame was sent');
    assert.deepEqual(
      { ...peak, sentAt: undefined },
      {
        kind: 'peak',
        step: 0,
        action: 'turn-left',
        keptFrame: 5 + 3,
        sentAt: undefined,
      },
    );
    assert.equal(r.tracker.phase, 'return');
    r.feed([pose({ turn: 0.6 * TURN }), pose({ turn: 0.1 * TURN }), pose()]);
    assert.deepEqual(r.sent.at(-1), { kind: 'neutral', step: 1, keptFrame: 5 + 8 + 2, sentAt: 5 + 8 + 2 });
    assert.equal(r.tracker.phase, 'action');
    assert.equal(r.tracker.action, 'look-up');
  });

  it('a quick turn that peaks and comes back below half the threshold counts before the hold time', () => {
    const r = run({ actions: ['turn-right'] });
    r.feed(baseline());
    r.feed([-0.8, -1.2, -1.5, -1.1, -0.3].map((p) => pose({ turn: p * TURN })));
    assert.equal(r.updates.at(-1)!.actionDone, true);
    assert.deepEqual(r.sent.at(-1), { kind: 'peak', step: 0, action: 'turn-right', keptFrame: 7, sentAt: 9 });
  });

  it('noise around the threshold does not trigger the action', () => {
    const r = run({ actions: ['turn-left'] });
    r.feed(baseline());
    // Alternating just above and just below the threshold: never two frames in a row at progress ≥ 1.
    r.feed(
      repeat([1.05, 0.95], 20)
        .flat()
        .map((p) => pose({ turn: p * TURN })),
    );
    assert.equal(r.tracker.phase, 'action');
    assert.equal(
      r.updates.some((u) => u.actionDone),
      false,
    );
    assert.equal(r.sent.filter((s) => s.kind === 'peak').length, 0);
    // Two frames in a row above it do.
    r.feed([1.1, 1.1, 1.1, 1.1, 1.1, 1.1].map((p) => pose({ turn: p * TURN })));
    assert.equal(r.tracker.phase, 'return');
  });

  it('the wrong direction is a hint, never a success', () => {
    const r = run({ actions: ['turn-left'] });
    r.feed(baseline());
    r.feed(repeat(pose({ turn: -1.5 * TURN }), 10));
    assert.equal(r.tracker.phase, 'action');
    assert.equal(r.updates.at(-1)!.hint, 'wrong-direction');
    assert.equal(
      r.updates.some((u) => u.actionDone),
      false,
    );
  });

  it('enforces the order: the second action done first does not count, and is reported as another action', () => {
    const r = run({ actions: ['look-up', 'move-closer'] });
    r.feed(baseline());
    r.feed(repeat(pose({ closer: 1.5 }), 8));
    assert.equal(r.tracker.step, 0);
    assert.equal(r.updates.at(-1)!.hint, 'wrong-action');
    assert.equal(
      r.updates.some((u) => u.actionDone),
      false,
    );
    // Now in order: up (held), back, closer (held), back.
    r.feed([pose(), pose(), ...repeat(pose({ up: 1.4 * 12 }), 6), pose(), pose()]);
    assert.equal(r.tracker.action, 'move-closer');
    r.feed([...repeat(pose({ closer: 1.4 }), 6), pose(), pose()]);
    assert.equal(r.tracker.phase, 'complete');
    assert.deepEqual(
      r.sent.map((s) => [s.kind, s.step, s.action]),
      [
        ['neutral', 0, undefined],
        ['peak', 0, 'look-up'],
        ['neutral', 1, undefined],
        ['peak', 1, 'move-closer'],
        ['neutral', 2, undefined],
      ],
    );
  });

  it('a lost face resets the frames-in-a-row count and asks for the face', () => {
    const r = run({ actions: ['turn-left'] });
    r.feed(baseline());
    r.feed([pose({ turn: 1.2 * TURN }), undefined, pose({ turn: 1.2 * TURN }), undefined]);
    assert.equal(r.tracker.phase, 'action');
    assert.equal(r.updates.at(-1)!.hint, 'no-face');
  });

  it('passive mode: after the neutral pose, a burst of steady frames spaced in time', () => {
    const r = run({ actions: [], burstFrames: 3, burstIntervalMs: 250 });
    r.feed(baseline());
    assert.equal(r.tracker.phase, 'burst');
    r.feed(repeat(pose(), 12));
    assert.equal(r.tracker.phase, 'complete');
    const burst = r.sent.filter((s) => s.kind === 'burst');
    assert.equal(burst.length, 3);
    // 250 ms apart at 100 ms per frame: every third frame, each sending the frame it just kept.
    assert.deepEqual(
      burst.map((s) => s.sentAt),
      [5, 8, 11],
    );
    assert.ok(burst.every((s) => s.keptFrame === s.sentAt));
  });

  it('reports the shown progress clamped to 0…1 and never negative', () => {
    const r = run({ actions: ['turn-left'] });
    r.feed(baseline());
    r.feed([pose({ turn: -0.5 * TURN }), pose({ turn: 0.5 * TURN }), pose({ turn: 0.2 * TURN })]);
    assert.deepEqual(
      r.updates.slice(-3).map((u) => u.shownProgress),
      [0, 0.5, 0.5],
    );
  });
});
