import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  assessFaceFrame,
  FACE_THRESHOLDS,
  type FaceIssue,
  type FaceObservation,
  type FrameLike,
} from '../../../src/analysis/index.js';
import {
  ASTRONAUT_PATH,
  type FaceSceneOptions,
  loadImage,
  type RgbaImage,
  renderFaceScene,
} from '../../support/specimens/index.js';
import { rotation, type SyntheticFace, syntheticLandmarks, transformationMatrix } from './face-landmarks.js';

// The astronaut photo scaled 2× so her face (≈ 220 × 260 px) sits in the middle of a 640 × 480 frame.
const FACE_SCENE: FaceSceneOptions = { scale: 1.6, centerX: 0.597, centerY: 1.046, seed: 1 };
const FACE_BOX = { x: 210, y: 110, width: 220, height: 260 };

let astronaut: RgbaImage;
before(async () => {
  astronaut = await loadImage(ASTRONAUT_PATH);
});

function frame(opts: FaceSceneOptions = {}): FrameLike {
  return renderFaceScene(astronaut, { ...FACE_SCENE, ...opts });
}

/** A face as FaceLandmarker would report it: box, score and 478 landmarks matching the box. */
function face(f: SyntheticFace & { box?: typeof FACE_BOX; score?: number } = {}): FaceObservation {
  const box = f.box ?? FACE_BOX;
  const center = { x: (box.x + box.width / 2) / 640, y: (box.y + box.height / 2) / 480 };
  // Cheek span (14 cm) = box width.
  const scale = box.width / 14 / 480;
  return {
    box,
    score: f.score ?? 0.95,
    landmarks: syntheticLandmarks({ ...f, center, scale, aspect: 640 / 480 }),
  };
}

function assertIssues(got: FaceIssue[], want: FaceIssue[]): void {
  assert.deepEqual(got, want, `got [${got.join(', ')}]`);
}

describe('assessFaceFrame', () => {
  it('accepts one sharp, centred, frontal face with open eyes', () => {
    const a = assessFaceFrame(frame(), [face()]);
    assertIssues(a.issues, []);
    assert.equal(a.ok, true);
    assert.equal(a.metrics.faceCount, 1);
    assert.ok(Math.abs(a.metrics.faceWidthRatio! - 220 / 480) < 0.01);
    assert.ok(Math.abs(a.metrics.yaw!) < 1 && Math.abs(a.metrics.leftEyeOpenness! - 0.3) < 0.01);
    assert.ok(a.score > 0.3, `score ${a.score}`);
  });

  it('reports NO_FACE, ignoring low-confidence detections', () => {
    assertIssues(assessFaceFrame(frame(), []).issues, ['NO_FACE']);
    assertIssues(assessFaceFrame(frame(), [face({ score: 0.2 })]).issues, ['NO_FACE']);
    assert.equal(assessFaceFrame(frame(), []).score, 0);
  });

  it('reports MULTIPLE_FACES for a second face of similar size, not for a tiny one far behind', () => {
    const second = face({ box: { x: 20, y: 150, width: 120, height: 140 } });
    const a = assessFaceFrame(frame(), [face(), second]);
    assertIssues(a.issues, ['MULTIPLE_FACES']);
    assert.equal(a.metrics.faceCount, 2);
    const tiny = face({ box: { x: 20, y: 150, width: 30, height: 36 } });
    assertIssues(assessFaceFrame(frame(), [face(), tiny]).issues, []);
  });

  it('reports FACE_TOO_SMALL and FACE_TOO_CLOSE from the face width', () => {
    const small = face({ box: { x: 270, y: 190, width: 100, height: 120 } });
    assert.equal(assessFaceFrame(frame(), [small]).issues[0], 'FACE_TOO_SMALL');
    // Desktop webcams sit farther away: the same face is big enough there.
    const desktopOk = face({ box: { x: 265, y: 175, width: 110, height: 130 } });
    assert.ok(
      !assessFaceFrame(frame(), [desktopOk], { profile: 'desktop' }).issues.includes('FACE_TOO_SMALL'),
    );
    const big = face({ box: { x: 100, y: 20, width: 440, height: 440 } });
    assert.ok(assessFaceFrame(frame(), [big]).issues.includes('FACE_TOO_CLOSE'));
  });

  it('reports FACE_NOT_CENTERED when the face sits near an edge', () => {
    const frameOff = frame({ centerX: 0.3 });
    const a = assessFaceFrame(frameOff, [face({ box: { x: 20, y: 110, width: 220, height: 260 } })]);
    assertIssues(a.issues, ['FACE_NOT_CENTERED']);
    assert.ok(a.metrics.centerOffset! > FACE_THRESHOLDS.phone.maxCenterOffset);
  });

  it('reports FACE_NOT_FRONTAL from landmarks, and from the transformation matrix when given', () => {
    assertIssues(assessFaceFrame(frame(), [face({ yaw: 35 })]).issues, ['FACE_NOT_FRONTAL']);
    assertIssues(assessFaceFrame(frame(), [face({ pitch: -28 })]).issues, ['FACE_NOT_FRONTAL']);
    assertIssues(assessFaceFrame(frame(), [face({ roll: 30 })]).issues, ['FACE_NOT_FRONTAL']);
    // The matrix wins over landmarks: frontal landmarks, turned matrix.
    const turned = { ...face(), transformationMatrix: transformationMatrix(rotation(-40, 0, 0)) };
    const a = assessFaceFrame(frame(), [turned]);
    assertIssues(a.issues, ['FACE_NOT_FRONTAL']);
    assert.ok(Math.abs(a.metrics.yaw! + 40) < 1e-6);
  });

  it('reports EYES_CLOSED from the eyelid landmarks', () => {
    const a = assessFaceFrame(frame(), [face({ eyeOpenness: 0.08 })]);
    assertIssues(a.issues, ['EYES_CLOSED']);
    assert.ok(a.metrics.leftEyeOpenness! < FACE_THRESHOLDS.phone.minEyeOpenness);
  });

  it('reports BLURRY, TOO_DARK and TOO_BRIGHT from the face pixels', () => {
    assertIssues(assessFaceFrame(frame({ blurSigma: 3 }), [face()]).issues, ['BLURRY']);
    assertIssues(assessFaceFrame(frame({ exposure: 0.3 }), [face()]).issues, ['TOO_DARK']);
    assertIssues(assessFaceFrame(frame({ exposure: 2.2 }), [face()]).issues, ['TOO_BRIGHT']);
    // A dim but sharp face is not called blurry.
    assertIssues(assessFaceFrame(frame({ exposure: 0.55 }), [face()]).issues, []);
  });

  it('scores a sharper, more frontal frame higher', () => {
    const best = assessFaceFrame(frame(), [face()]).score;
    assert.ok(best > assessFaceFrame(frame({ blurSigma: 1 }), [face()]).score);
    assert.ok(best > assessFaceFrame(frame(), [face({ yaw: 12 })]).score);
  });
});
