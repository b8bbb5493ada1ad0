import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  eyeOpenness,
  faceWidthRatio,
  headPoseFromLandmarks,
  headPoseFromMatrix,
  mouthOpenness,
} from '../../../src/analysis/index.js';
import { rotation, syntheticLandmarks, transformationMatrix } from './face-landmarks.js';

const POSES: Array<[number, number, number]> = [
  [0, 0, 0],
  [25, 0, 0],
  [-30, 0, 0],
  [0, 18, 0],
  [0, -22, 0],
  [0, 0, 15],
  [0, 0, -28],
  [20, -10, 12],
  [-35, 15, -8],
];

function assertPose(
  got: { yaw: number; pitch: number; roll: number },
  want: [number, number, number],
  tol: number,
) {
  assert.ok(Math.abs(got.yaw - want[0]) < tol, `yaw ${got.yaw} vs ${want[0]}`);
  assert.ok(Math.abs(got.pitch - want[1]) < tol, `pitch ${got.pitch} vs ${want[1]}`);
  assert.ok(Math.abs(got.roll - want[2]) < tol, `roll ${got.roll} vs ${want[2]}`);
}

describe('face geometry', () => {
  it('headPoseFromMatrix recovers yaw / pitch / roll from the rotation, ignoring scale and translation', () => {
    for (const pose of POSES) {
      assertPose(headPoseFromMatrix(transformationMatrix(rotation(...pose))), pose, 1e-6);
      assertPose(headPoseFromMatrix(transformationMatrix(rotation(...pose), 2.5)), pose, 1e-6);
    }
  });

  it('headPoseFromLandmarks recovers the same angles from projected landmarks, for any frame aspect', () => {
    for (const pose of POSES) {
      for (const aspect of [4 / 3, 9 / 16, 1]) {
        const lm = syntheticLandmarks({ yaw: pose[0], pitch: pose[1], roll: pose[2], aspect });
        assertPose(headPoseFromLandmarks(lm, aspect), pose, 0.5);
      }
    }
  });

  it('uses image-space signs: +yaw nose to the right, +pitch nose up, +roll counter-clockwise', () => {
    const nose = (yaw: number, pitch: number) => syntheticLandmarks({ yaw, pitch })[1]!;
    assert.ok(nose(20, 0).x > nose(0, 0).x);
    assert.ok(nose(0, 20).y < nose(0, 0).y);
    const rolled = syntheticLandmarks({ roll: 20 });
    // Counter-clockwise on screen lifts the image-right cheek.
    assert.ok(rolled[454]!.y < rolled[234]!.y);
  });

  it('eyeOpenness returns the eye aspect ratio and separates open from closed eyes', () => {
    for (const ear of [0.05, 0.15, 0.3]) {
      const lm = syntheticLandmarks({ eyeOpenness: ear });
      assert.ok(Math.abs(eyeOpenness(lm, 'left', 4 / 3) - ear) < 0.01);
      assert.ok(Math.abs(eyeOpenness(lm, 'right', 4 / 3) - ear) < 0.01);
    }
    // Turning the head barely changes it (3D distances).
    const turned = syntheticLandmarks({ eyeOpenness: 0.3, yaw: 30 });
    assert.ok(Math.abs(eyeOpenness(turned, 'left', 4 / 3) - 0.3) < 0.03);
  });

  it('mouthOpenness grows with the lip gap', () => {
    const closed = mouthOpenness(syntheticLandmarks({ mouthOpenness: 0.02 }), 4 / 3);
    const open = mouthOpenness(syntheticLandmarks({ mouthOpenness: 0.6 }), 4 / 3);
    assert.ok(Math.abs(closed - 0.02) < 0.01 && Math.abs(open - 0.6) < 0.01);
  });

  it('faceWidthRatio measures cheek to cheek against the shorter frame side', () => {
    const frame = { width: 640, height: 480 };
    const lm = syntheticLandmarks({ scale: 0.02 });
    // 14 cm × 0.02 = 0.28 of the height.
    const r = faceWidthRatio({ box: { x: 0, y: 0, width: 1, height: 1 }, landmarks: lm }, frame);
    assert.ok(Math.abs(r - 0.28) < 0.005, `ratio ${r}`);
    assert.equal(faceWidthRatio({ box: { x: 0, y: 0, width: 240, height: 300 } }, frame), 0.5);
  });

  it('throws a coded error on a truncated landmark list', () => {
    assert.throws(() => headPoseFromLandmarks([{ x: 0, y: 0, z: 0 }]), { code: 'LANDMARKS_INCOMPLETE' });
  });
});
