/**
 * The face checks on real MediaPipe output: FaceLandmarker (built offline assets, CPU) on the astronaut photo,
 * fed through assessFaceFrame and the landmark geometry. Needs `npm run build:assets` first.
 */
import type { FaceLandmarker } from '@mediapipe/tasks-vision';
import { createReferenceLandmarker } from '../support/reference-landmarker.js';
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import {
  assessFaceFrame,
  type FaceObservation,
  type FrameLike,
  headPoseFromLandmarks,
  headPoseFromMatrix,
} from '../../src/analysis/index.js';
import { landmarkerObservations } from '../../src/capture/face-runtime.js';

// Mocha's BDD globals (the runner provides them; the project has no @types/mocha).
type MochaHook = () => void | Promise<void>;
declare function describe(title: string, suite: () => void): void;
declare function it(title: string, test: MochaHook): void;
declare function before(hook: MochaHook): void;
declare function after(hook: MochaHook): void;

/** Astronaut face centre in the 512 × 512 photo (FaceDetector box x=177 y=82 w=95 h=95). */
const FACE_CENTRE = { x: 224.5, y: 129.5 };
const CROP = 220;
const SIZE = 440;

interface Scene {
  frame: FrameLike;
  face?: FaceObservation;
}

describe('face analysis on real FaceLandmarker output', () => {
  let image: HTMLImageElement;
  let landmarker: FaceLandmarker;

  before(async () => {
    image = new Image();
    image.src = '/test/fixtures/astronaut.png';
    await image.decode();
    landmarker = await createReferenceLandmarker();
  });

  after(() => landmarker?.close());

  /** A square selfie-like crop round the face, optionally rotated (degrees, clockwise on screen) and mirrored. */
  function scene(rotateDeg = 0, mirror = false): Scene {
    const canvas = document.createElement('canvas');
    canvas.width = SIZE;
    canvas.height = SIZE;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#888';
    ctx.fillRect(0, 0, SIZE, SIZE);
    ctx.translate(SIZE / 2, SIZE / 2);
    // Mirror last (outermost), like a selfie preview: a clockwise tilt becomes counter-clockwise.
    if (mirror) ctx.scale(-1, 1);
    ctx.rotate((rotateDeg * Math.PI) / 180);
    const s = SIZE / CROP;
    ctx.drawImage(image, -FACE_CENTRE.x * s, -FACE_CENTRE.y * s, image.width * s, image.height * s);
    const result = landmarker.detect(canvas);
    const frame = ctx.getImageData(0, 0, SIZE, SIZE);
    // The landmarks' extent as the box, and the matrix: as the capture engine turns a result into a face.
    return { frame, face: landmarkerObservations(result, { width: SIZE, height: SIZE })[0] };
  }

  it('finds one frontal face with open eyes and accepts it', () => {
    const { frame, face } = scene();
    expect(face, 'face found').to.exist;
    expect(face!.landmarks).to.have.length(478);
    const a = assessFaceFrame(frame, [face!]);
    const m = a.metrics;
    console.log(
      `astronaut: yaw ${m.yaw!.toFixed(1)}° pitch ${m.pitch!.toFixed(1)}° roll ${m.roll!.toFixed(1)}°, eyes ` +
        `${m.leftEyeOpenness!.toFixed(3)}/${m.rightEyeOpenness!.toFixed(3)}, mouth ${m.mouthOpenness!.toFixed(3)}, ` +
        `width ${m.faceWidthRatio!.toFixed(2)}, sharpness ${m.sharpness.toFixed(0)}`,
    );
    expect(a.issues).to.deep.equal([]);
    expect(a.ok).to.equal(true);
    expect(Math.abs(a.metrics.yaw!)).to.be.below(15);
    expect(Math.abs(a.metrics.pitch!)).to.be.below(20);
    expect(Math.abs(a.metrics.roll!)).to.be.below(10);
    expect(a.metrics.leftEyeOpenness!).to.be.above(0.2);
    expect(a.metrics.rightEyeOpenness!).to.be.above(0.2);
    // She smiles with closed lips... or slightly open teeth: either way far from a wide-open mouth.
    expect(a.metrics.mouthOpenness!).to.be.below(0.5);
  });

  it('agrees between the matrix pose and the landmark pose (what the server uses)', () => {
    const { frame, face } = scene(15);
    const fromMatrix = headPoseFromMatrix(face!.transformationMatrix!);
    const fromLandmarks = headPoseFromLandmarks(face!.landmarks!, frame.width / frame.height);
    console.log(`pose matrix ${JSON.stringify(fromMatrix)} landmarks ${JSON.stringify(fromLandmarks)}`);
    expect(Math.abs(fromMatrix.roll - fromLandmarks.roll)).to.be.below(5);
    expect(Math.abs(fromMatrix.yaw - fromLandmarks.yaw)).to.be.below(10);
  });

  it('measures roll as the canvas is rotated, with the sign flipped by mirroring', () => {
    const pose = (rotateDeg: number, mirror = false) => {
      const { frame, face } = scene(rotateDeg, mirror);
      return assessFaceFrame(frame, [face!]);
    };
    const upright = pose(0).metrics.roll!;
    const clockwise = pose(25);
    const mirrored = pose(25, true);
    console.log(
      `roll: upright ${upright.toFixed(1)}°, rotated 25° clockwise ${clockwise.metrics.roll!.toFixed(1)}°, ` +
        `mirrored ${mirrored.metrics.roll!.toFixed(1)}°`,
    );
    // Clockwise on screen is negative roll; the mirror image turns the other way.
    expect(clockwise.metrics.roll! - upright).to.be.within(-32, -15);
    expect(mirrored.metrics.roll! + upright).to.be.within(15, 32);
    expect(clockwise.issues).to.include('FACE_NOT_FRONTAL');
    expect(mirrored.issues).to.include('FACE_NOT_FRONTAL');
  });

  it('reports NO_FACE on a blank canvas and fetched nothing from a third-party origin', async () => {
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#777';
    ctx.fillRect(0, 0, 320, 240);
    expect(landmarker.detect(canvas).faceLandmarks).to.have.length(0);
    expect(assessFaceFrame(ctx.getImageData(0, 0, 320, 240), []).issues).to.deep.equal(['NO_FACE']);
    expect(await executeServerCommand('third-party-requests')).to.deep.equal([]);
  });
});
