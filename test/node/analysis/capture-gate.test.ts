import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CaptureGate } from '../../../src/analysis/index.js';

describe('CaptureGate', () => {
  it('becomes ready after N consecutive passing frames and names the best of the run', () => {
    const gate = new CaptureGate({ requiredConsecutive: 3 });
    assert.deepEqual(gate.push(1, { ok: true, score: 0.5 }), { ready: false, bestFrameId: 1, streak: 1 });
    assert.deepEqual(gate.push(2, { ok: true, score: 0.9 }), { ready: false, bestFrameId: 2, streak: 2 });
    assert.deepEqual(gate.push(3, { ok: true, score: 0.7 }), { ready: true, bestFrameId: 2, streak: 3 });
  });

  it('a failing frame breaks the run and forgets its best frame', () => {
    const gate = new CaptureGate({ requiredConsecutive: 2 });
    gate.push(1, { ok: true, score: 0.99 });
    assert.deepEqual(gate.push(2, { ok: false, score: 0.1 }), { ready: false, streak: 0 });
    assert.deepEqual(gate.push(3, { ok: true, score: 0.4 }), { ready: false, bestFrameId: 3, streak: 1 });
    assert.equal(gate.push(4, { ok: true, score: 0.3 }).bestFrameId, 3);
  });

  it('reset() starts over', () => {
    const gate = new CaptureGate({ requiredConsecutive: 1 });
    assert.equal(gate.push(1, { ok: true, score: 1 }).ready, true);
    gate.reset();
    assert.deepEqual(gate.push(2, { ok: true, score: 0.2 }), { ready: true, bestFrameId: 2, streak: 1 });
  });

  it('rejects a non-positive N with a coded error', () => {
    assert.throws(() => new CaptureGate({ requiredConsecutive: 0 }), { code: 'INVALID_CAPTURE_GATE' });
  });
});
