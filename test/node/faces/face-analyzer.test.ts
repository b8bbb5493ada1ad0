import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { eyeOpenness, headPoseFromLandmarks } from '../../../src/analysis/face-geometry.js';
import {
  analyzeFaces,
  detectFaces,
  FaceAnalyzerError,
  faceDistance,
  liveTensorCount,
  loadFaceAnalyzer,
  MAX_ANALYSIS_SIDE,
} from '../../../src/server/faces/face-analyzer.js';

const ASTRONAUT = readFileSync(new URL('../../fixtures/astronaut.png', import.meta.url));
const GROUP_PHOTO = readFileSync(
  new URL('../../../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url),
);

describe('face analyzer (face-api on tfjs wasm, models from disk)', () => {
  before(async () => {
    await loadFaceAnalyzer();
  });

  it('finds exactly one face in the astronaut portrait, with box, landmarks and descriptor', async () => {
    const { width, height, scale, faces } = await analyzeFaces(ASTRONAUT);
    assert.deepEqual([width, height, scale], [512, 512, 1]);
    assert.equal(faces.length, 1);
    const [face] = faces;
    assert.ok(face!.score > 0.9, `confident detection, got ${face!.score}`);
    const { x, y, width: w, height: h } = face!.box;
    // The head sits in the upper middle of the 512² photo.
    assert.ok(x > 100 && x + w < 400 && y >= 0 && y + h < 300, JSON.stringify(face!.box));
    assert.ok(w > 50 && h > 50);
    assert.equal(face!.descriptor.length, 128);
    assert.equal(face!.landmarks68.length, 68);
    for (const p of face!.landmarks68) {
      assert.ok(p.x > x - w * 0.3 && p.x < x + w * 1.3 && p.y > y - h * 0.3 && p.y < y + h * 1.3);
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
    // Different people: their descriptors are far apart.
    assert.ok(faceDistance(faces[0]!.descriptor, faces[1]!.descriptor) > 0.4);
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
    assert.ok(faceDistance(alone, b[0]!.descriptor) < 0.4);
  });

  it('adds the 468-point mesh on request, in the normalised form the shared face geometry reads', async () => {
    assert.equal((await detectFaces(ASTRONAUT))[0]!.mesh468, undefined, 'no mesh unless asked for');
    const upright = await analyzeFaces(ASTRONAUT, { mesh: true });
    const mesh = upright.faces[0]!.mesh468!;
    assert.equal(mesh.length, 468);
    for (const p of mesh) assert.ok(p.x > 0 && p.x < 1 && p.y > 0 && p.y < 1);
    const pose = headPoseFromLandmarks(mesh, 1);
    assert.ok(Math.abs(pose.yaw) < 15, `a frontal portrait, yaw ${pose.yaw}`);
    assert.ok(eyeOpenness(mesh, 'left') > 0.2 && eyeOpenness(mesh, 'right') > 0.2, 'eyes open');

    // Rotating the photo in the image plane shows up as roll, in the rotation's direction.
    const tilted = await sharp(ASTRONAUT).rotate(-20, { background: '#808080' }).png().toBuffer();
    const rotated = await analyzeFaces(tilted, { mesh: true });
    const tiltedRoll = headPoseFromLandmarks(rotated.faces[0]!.mesh468!, rotated.width / rotated.height).roll;
    assert.ok(Math.abs(tiltedRoll - pose.roll) > 12, `roll moved from ${pose.roll} to ${tiltedRoll}`);

    // In a group photo every face gets its own mesh, centred inside its own box.
    const group = await analyzeFaces(GROUP_PHOTO, { mesh: true });
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
    await detectFaces(ASTRONAUT, { mesh: true });
    const baseline = await liveTensorCount();
    await detectFaces(ASTRONAUT);
    await detectFaces(ASTRONAUT, { mesh: true });
    await detectFaces(Buffer.from('not an image')).catch(() => undefined);
    assert.equal(await liveTensorCount(), baseline);
  });

  it('refuses undecodable bytes with a coded error', async () => {
    await assert.rejects(detectFaces(Buffer.from('definitely not a JPEG')), (error: unknown) => {
      assert.ok(error instanceof FaceAnalyzerError);
      assert.equal(error.code, 'FACE_IMAGE_UNREADABLE');
      return true;
    });
  });

  it('measures Euclidean distance and refuses descriptors of different lengths', () => {
    assert.equal(faceDistance(new Float32Array([0, 3]), new Float32Array([4, 0])), 5);
    assert.throws(() => faceDistance(new Float32Array(2), new Float32Array(3)), RangeError);
  });
});
