/**
 * The models and wasm built by `npm run build:assets` run in real Chromium, served only from localhost:
 * FaceDetector and FaceLandmarker find the astronaut's face where the prototype found it, with 478 landmarks,
 * a transformation matrix, and irises on the eyes. Needs `npm run build:assets` first (`npm run build` does it).
 */
import { expect } from '@open-wc/testing';
import {
  type Detection,
  FaceDetector,
  FaceLandmarker,
  type FaceLandmarkerResult,
  FilesetResolver,
  type NormalizedLandmark,
} from '@mediapipe/tasks-vision';
import { executeServerCommand } from '@web/test-runner-commands';
import { assetUrl, mediapipeWasmBase } from '../../src/capture/asset-manifest.js';

// Mocha's BDD globals (the runner provides them; the project has no @types/mocha).
type MochaHook = () => void | Promise<void>;
declare function describe(title: string, suite: () => void): void;
declare function it(title: string, test: MochaHook): void;
declare function before(hook: MochaHook): void;
declare function after(hook: MochaHook): void;

const ASSET_BASE = '/dist/assets';
const IMAGE = '/test/fixtures/astronaut.png';
/** What the prototype measured on the same image: box x=177 y=82 w=95 h=95. */
const PROTOTYPE_BOX_CENTRE = { x: 177 + 95 / 2, y: 82 + 95 / 2 };

async function loadImage(url: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.src = url;
  await image.decode();
  return image;
}

const distance = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.hypot(a.x - b.x, a.y - b.y);

describe('offline face models (built assets, CPU delegate)', () => {
  let image: HTMLImageElement;
  let detector: FaceDetector | undefined;
  let landmarker: FaceLandmarker | undefined;
  let detection: Detection;
  let landmarks: FaceLandmarkerResult;

  before(async () => {
    image = await loadImage(IMAGE);
    const fileset = await FilesetResolver.forVisionTasks(mediapipeWasmBase(ASSET_BASE));
    detector = await FaceDetector.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: assetUrl(ASSET_BASE, 'faceDetectorModel'), delegate: 'CPU' },
      runningMode: 'IMAGE',
    });
    landmarker = await FaceLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: assetUrl(ASSET_BASE, 'faceLandmarkerModel'), delegate: 'CPU' },
      runningMode: 'IMAGE',
      numFaces: 1,
      outputFacialTransformationMatrixes: true,
    });
    const detected = detector.detect(image).detections;
    expect(detected, 'exactly one face').to.have.length(1);
    detection = detected[0]!;
    landmarks = landmarker.detect(image);
  });

  after(() => {
    detector?.close();
    landmarker?.close();
  });

  it('detects the face with a high score where the prototype did', () => {
    expect(detection.categories[0]!.score).to.be.greaterThan(0.8);
    const box = detection.boundingBox!;
    const centre = { x: box.originX + box.width / 2, y: box.originY + box.height / 2 };
    expect(distance(centre, PROTOTYPE_BOX_CENTRE), `box centre ${JSON.stringify(centre)}`).to.be.lessThan(30);
    expect(box.width).to.be.within(60, 140);
    expect(detection.keypoints, 'eyes, nose, mouth, ears').to.have.length(6);
  });

  it('returns 478 landmarks on the face', () => {
    expect(landmarks.faceLandmarks).to.have.length(1);
    const points = landmarks.faceLandmarks[0]!;
    expect(points).to.have.length(478);
    const box = detection.boundingBox!;
    const noseTip = { x: points[1]!.x * image.naturalWidth, y: points[1]!.y * image.naturalHeight };
    // The nose tip lies inside the detector's box: the landmarks are real, not the garbage of a mis-wired model.
    expect(noseTip.x).to.be.within(box.originX, box.originX + box.width);
    expect(noseTip.y).to.be.within(box.originY, box.originY + box.height);
  });

  it('returns a 4×4 facial transformation matrix', () => {
    expect(landmarks.facialTransformationMatrixes).to.have.length(1);
    const matrix = landmarks.facialTransformationMatrixes![0]!;
    expect(matrix.rows).to.equal(4);
    expect(matrix.columns).to.equal(4);
    expect(matrix.data).to.have.length(16);
    for (const v of matrix.data) expect(Number.isFinite(v)).to.equal(true);
    // A rigid pose: homogeneous 1 in the corner and a rotation block whose first column has unit length.
    expect(matrix.data[15]).to.be.closeTo(1, 1e-6);
    const column = Math.hypot(matrix.data[0]!, matrix.data[1]!, matrix.data[2]!);
    expect(column).to.be.closeTo(1, 0.05);
  });

  it('puts each iris centre on one of the detector eye keypoints', () => {
    const points = landmarks.faceLandmarks[0]!;
    const px = (p: NormalizedLandmark | { x: number; y: number }) => ({
      x: p.x * image.naturalWidth,
      y: p.y * image.naturalHeight,
    });
    const eyes = detection.keypoints.slice(0, 2).map(px);
    const irises = [px(points[468]!), px(points[473]!)];
    // Each iris centre is within 10 px of its own eye (the prototype measured 4.3 and 5.7 px on a 95 px face).
    const nearest = irises.map((iris) => (distance(iris, eyes[0]!) < distance(iris, eyes[1]!) ? 0 : 1));
    expect(nearest[0], 'irises sit on different eyes').to.not.equal(nearest[1]);
    irises.forEach((iris, i) => {
      expect(distance(iris, eyes[nearest[i]!]!), `iris ${i}`).to.be.lessThan(10);
    });
  });

  it('fetched nothing from a third-party origin', async () => {
    expect(await executeServerCommand('third-party-requests')).to.deep.equal([]);
  });
});
