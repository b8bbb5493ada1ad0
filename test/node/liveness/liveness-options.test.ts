/** The challenge's action draw and the server options: what a deployment can change and what it cannot get wrong. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEVICE_ACTION_THRESHOLDS } from '../../../src/analysis/liveness-measures.js';
import { drawActions } from '../../../src/server/liveness/liveness-challenges.js';
import {
  DEFAULT_LIVENESS_OPTIONS,
  LivenessConfigError,
  livenessOptionsFromEnv,
  resolveLivenessOptions,
  SERVER_ACTION_THRESHOLDS,
} from '../../../src/server/liveness/liveness-options.js';

describe('liveness options', () => {
  it('leaves blink out of the default action set', () => {
    assert.deepEqual([...DEFAULT_LIVENESS_OPTIONS.actions].sort(), [
      'look-up',
      'move-closer',
      'turn-left',
      'turn-right',
    ]);
  });

  it('takes the action set from IDV_LIVENESS_ACTIONS and refuses unknown or too few actions', () => {
    assert.deepEqual(
      livenessOptionsFromEnv({ IDV_LIVENESS_ACTIONS: ' turn-left, blink ,turn-left' }).actions,
      ['turn-left', 'blink'],
    );
    assert.equal(livenessOptionsFromEnv({}), DEFAULT_LIVENESS_OPTIONS);
    for (const value of ['turn-left,smile', 'look-up']) {
      assert.throws(
        () => livenessOptionsFromEnv({ IDV_LIVENESS_ACTIONS: value }),
        (error: unknown) => error instanceof LivenessConfigError && error.code === 'INVALID_CONFIG',
        value,
      );
    }
  });

  it('clamps the action count to the size of the action set', () => {
    const options = resolveLivenessOptions({
      actions: ['turn-left', 'look-up'],
      minActions: 3,
      maxActions: 4,
    });
    assert.deepEqual([options.minActions, options.maxActions], [2, 2]);
  });

  it('asks the server for less than the device guides the user to', () => {
    for (const key of ['turnDegrees', 'lookUpDegrees', 'blinkDrop'] as const) {
      assert.ok(SERVER_ACTION_THRESHOLDS[key] < DEVICE_ACTION_THRESHOLDS[key], key);
    }
    assert.ok(SERVER_ACTION_THRESHOLDS.closerFactor < DEVICE_ACTION_THRESHOLDS.closerFactor);
  });
});

describe('drawActions', () => {
  it('draws 2–4 distinct actions of the set, in varying order', () => {
    const counts = new Set<number>();
    const firsts = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const actions = drawActions(DEFAULT_LIVENESS_OPTIONS);
      counts.add(actions.length);
      firsts.add(actions[0] as string);
      assert.equal(new Set(actions).size, actions.length, 'no action twice');
      for (const action of actions) assert.ok(DEFAULT_LIVENESS_OPTIONS.actions.includes(action));
    }
    assert.deepEqual([...counts].sort(), [2, 3, 4]);
    assert.equal(firsts.size, 4, 'every action can come first');
  });

  it('follows an injected random source', () => {
    const draws = [1, 2, 0, 0];
    const actions = drawActions({ ...DEFAULT_LIVENESS_OPTIONS, randomInt: () => draws.shift() ?? 0 });
    // count = 2 + 1; then pool[2] of 4, pool[0] of 3, pool[0] of 2.
    assert.deepEqual(actions, ['look-up', 'turn-left', 'turn-right']);
  });
});
