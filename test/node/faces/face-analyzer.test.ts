import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { eyeOpenness, headPoseFromLandmarks } from '../../../src/analysis/face-geometry.js';
import {
  analyzeFacesInThisThread as analyzeFaces,
  FaceAnalyzerError,
  faceDistance,
  liveTensorCount,
  loadFaceAnalyzer,
  MAX_ANALYSIS_SIDE,
} from '../../../src/server/faces/face-analyzer.js';
import { DEFAULT_FACE_MATCH_THRESHOLD } from '../../../src/server/faces/face-match.js';
import { encodeJpeg, idCardFront, renderScene } from '../../support/specimens/index.js';

const detectFaces = async (image: Buffer) => (await analyzeFaces(image)).faces;

const ASTRONAUT = readFileSync(new URL('../../fixtures/astronaut.png', import.meta.url));
const GROUP_PHOTO = readFileSync(
  new URL('../../../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url),
);

/** The astronaut cut to the head, 92×112 grey like an ORL photo or a printed ID portrait cropped by a scanner. */
const TIGHT_CROP_PROMISE = sharp(ASTRONAUT)
  .extract({ left: 170, top: 50, width: 120, height: 146 })
  .resize(92, 112)
  .greyscale()
  .png()
  .toBuffer();
let TIGHT_CROP: Buffer;

/** An ID card with the astronaut's portrait, photographed small on a desk (the printed portrait ~150 px tall). */
async function photographedCard(): Promise<Buffer> {
  const card = await idCardFront({ width: 1012 });
  const { image } = renderScene(card, {
    width: 1280,
    height: 960,
    scale: 0.4,
    rotationDeg: 4,
    tiltDeg: 6,
    seed: 7,
  });
  return encodeJpeg(image, 0.8);
}
describe('face analyzer (face-api + human on tfjs wasm, models from disk)', () => {
  before(async () => {
    await loadFaceAnalyzer();
    TIGHT_CROP = await TIGHT_CROP_PROMISE;
  });

  it('finds exactly one face in the astronaut portrait, with box, mesh and descriptor', async () => {
    const { width, height, scale, faces } = await analyzeFaces(ASTRONAUT);
    assert.deepEqual([width, height, scale], [512, 512, 1]);
    assert.equal(faces.length, 1);
    const [face] = faces;
    assert.ok(face!.score > 0.7, `confident detection, got ${face!.score}`);
    const { x, y, width: w, height: h } = face!.box;
    // The head sits in the upper middle of the 512² photo.
    assert.ok(x > 100 && x + w < 400 && y >= 0 && y + h < 300, JSON.stringify(face!.box));
    assert.ok(w > 50 && h > 50);
    assert.equal(face!.descriptor.length, 1024);
    assert.equal(face!.detector, 'blazeface');
    for (const p of face!.mesh468!) {
      const px = p.x * 512;
      const py = p.y * 512;
      assert.ok(px > x - w * 0.3 && px < x + w * 1.3 && py > y - h * 0.3 && py < y + h * 1.3);
    }
  });

  it('finds several faces in a group photo, largest first, in downscaled coordinates', async () => {
    const { width, height, scale, faces } = await analyzeFaces(GROUP_PHOTO);
    assert.equal(Math.max(width, height), MAX_ANALYSIS_SIDE);
    assert.ok(scale < 1);
    assert.ok(faces.length >= 3, `expected ≥ 3 faces, got ${faces.length}`);
    const areas = faces.map((f) => f.box.width * f.box.height);
    assert.deepEqual(
      areas,
      [...areas].sort((a, b) => b - a),
    );
    for (const f of faces)
      assert.ok(f.box.x + f.box.width <= width + 1 && f.box.y + f.box.height <= height + 1);
    // Different people: their descriptors are further apart than the match threshold.
    assert.ok(faceDistance(faces[0]!.descriptor, faces[1]!.descriptor) > DEFAULT_FACE_MATCH_THRESHOLD);
  });

  it('answers an empty list, not an error, when there is no face', async () => {
    const noise = await sharp({
      create: {
        width: 480,
        height: 360,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer();
    assert.deepEqual(await detectFaces(noise), []);
  });

  it('serializes concurrent calls and gives the same answer as one at a time', async () => {
    const alone = (await detectFaces(ASTRONAUT))[0]!.descriptor;
    const flipped = await sharp(ASTRONAUT).flop().png().toBuffer();
    const [a, b] = await Promise.all([detectFaces(ASTRONAUT), detectFaces(flipped)]);
    assert.equal(a.length, 1);
    assert.equal(b.length, 1);
    assert.ok(faceDistance(alone, a[0]!.descriptor) < 1e-4);
    // The mirrored face is the same person, still close (but it is a different image).
    assert.ok(faceDistance(alone, b[0]!.descriptor) < DEFAULT_FACE_MATCH_THRESHOLD);
  });

  it('gives each face the 468-point mesh, in the normalised form the shared face geometry reads', async () => {
    const upright = await analyzeFaces(ASTRONAUT);
    const mesh = upright.faces[0]!.mesh468!;
    assert.equal(mesh.length, 468);
    for (const p of mesh) assert.ok(p.x > 0 && p.x < 1 && p.y > 0 && p.y < 1);
    const pose = headPoseFromLandmarks(mesh, 1);
    assert.ok(Math.abs(pose.yaw) < 15, `a frontal portrait, yaw ${pose.yaw}`);
    assert.ok(eyeOpenness(mesh, 'left') > 0.2 && eyeOpenness(mesh, 'right') > 0.2, 'eyes open');

    // Rotating the photo in the image plane shows up as roll, in the rotation's direction.
    const tilted = await sharp(ASTRONAUT).rotate(-20, { background: '#808080' }).png().toBuffer();
    const rotated = await analyzeFaces(tilted);
    const tiltedRoll = headPoseFromLandmarks(rotated.faces[0]!.mesh468!, rotated.width / rotated.height).roll;
    assert.ok(Math.abs(tiltedRoll - pose.roll) > 12, `roll moved from ${pose.roll} to ${tiltedRoll}`);

    // In a group photo every face gets its own mesh, centred inside its own box.
    const group = await analyzeFaces(GROUP_PHOTO);
    for (const face of group.faces) {
      const m = face.mesh468;
      assert.ok(m, 'each face has a mesh');
      const cx = (m.reduce((sum, p) => sum + p.x, 0) / m.length) * group.width;
      const cy = (m.reduce((sum, p) => sum + p.y, 0) / m.length) * group.height;
      assert.ok(cx > face.box.x && cx < face.box.x + face.box.width, 'mesh centre inside its face box (x)');
      assert.ok(cy > face.box.y && cy < face.box.y + face.box.height, 'mesh centre inside its face box (y)');
    }
  });

  it('leaks no tensors across analyses', async () => {
    await detectFaces(ASTRONAUT);
    const baseline = await liveTensorCount();
    await detectFaces(ASTRONAUT);
    await detectFaces(TIGHT_CROP); // the padded pass
    await detectFaces(await photographedCard()); // the SSD pass and the region around its find
    await detectFaces(Buffer.from('not an image')).catch(() => undefined);
    assert.equal(await liveTensorCount(), baseline);
  });

  it('finds the face in a tight ID-photo crop (face filling a 92×112 grey image) and scores presentation attack', async () => {
    const [face] = await detectFaces(TIGHT_CROP);
    assert.ok(face, 'a face in the tight crop');
    assert.equal(face.descriptor.length, 1024);
    assert.ok(face.presentationAttack, 'antispoof and liveness scores');
    for (const score of Object.values(face.presentationAttack)) assert.ok(score >= 0 && score <= 1);
    // Still the astronaut: close to the full photo.
    const [full] = await detectFaces(ASTRONAUT);
    assert.ok(faceDistance(face.descriptor, full!.descriptor) < DEFAULT_FACE_MATCH_THRESHOLD, 'same person');
  });

  it('finds the small printed portrait on a photographed ID card, and it is the card holder', async () => {
    const card = await photographedCard();
    const faces = await detectFaces(card);
    assert.ok(faces.length >= 1, 'the portrait is found');
    const { height } = await analyzeFaces(card);
    assert.ok(
      faces[0]!.box.height / height < 0.3,
      `a small portrait, ${faces[0]!.box.height}px of ${height}`,
    );
    const [selfie] = await detectFaces(ASTRONAUT);
    assert.ok(
      faceDistance(faces[0]!.descriptor, selfie!.descriptor) < DEFAULT_FACE_MATCH_THRESHOLD,
      'the holder',
    );
  });

  it('refuses undecodable bytes with a coded error', async () => {
    await assert.rejects(detectFaces(Buffer.from('definitely not a JPEG')), (error: unknown) => {
      assert.ok(error instanceof FaceAnalyzerError);
      assert.equal(error.code, 'FACE_IMAGE_UNREADABLE');
      return true;
    });
  });

  it('measures cosine distance and refuses descriptors of different lengths', () => {
    assert.equal(faceDistance(new Float32Array([0, 3]), new Float32Array([4, 0])), 1);
    assert.ok(Math.abs(faceDistance(new Float32Array([1, 1]), new Float32Array([2, 2]))) < 1e-9);
    assert.equal(faceDistance(new Float32Array([1, 0]), new Float32Array([-1, 0])), 2);
    assert.throws(() => faceDistance(new Float32Array(2), new Float32Array(3)), RangeError);
  });
});
