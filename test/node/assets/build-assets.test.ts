import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { unzipSync } from 'fflate';
import { AssetBuildError } from '../../../scripts/assets/asset-build-error.js';
import { findInstalledPackage } from '../../../scripts/assets/asset-sources.js';
import { buildOfflineAssets } from '../../../scripts/assets/build-offline-assets.js';
import { MODEL_SHA256 } from '../../../scripts/assets/checksums.js';
import { unpackFaceMeshAssets } from '../../../scripts/assets/face-mesh-pack.js';
import { landmarkGatherIndices } from '../../../scripts/assets/landmarks-478.js';
import { listTaskBundle } from '../../../scripts/assets/task-bundle.js';
import {
  describeTflite,
  metadataBufferBytes,
  TFLITE_METADATA_NAME,
} from '../../../scripts/assets/tflite-io.js';
import { addTfliteMetadata, readImageNormalization } from '../../../scripts/assets/tflite-metadata.js';
import { ASSET_PATHS, type AssetManifest } from '../../../src/capture/asset-manifest.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const silent = () => {};

/** Every file below `dir`, `/`-separated and relative, sorted. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split('\\').join('/'))
    .sort();
}

describe('build:assets', () => {
  let first: string;
  let second: string;
  let manifest: AssetManifest;

  before(() => {
    first = mkdtempSync(join(tmpdir(), 'idv-assets-a-'));
    second = mkdtempSync(join(tmpdir(), 'idv-assets-b-'));
    const report = buildOfflineAssets({ outDir: first, log: silent });
    assert.equal(report.upToDate, false, 'an empty folder is never up to date');
    manifest = report.manifest;
  });

  after(() => {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  });

  it('builds models with the recorded sha256', () => {
    for (const [path, expected] of Object.entries(MODEL_SHA256)) {
      assert.equal(sha256(readFileSync(join(first, path))), expected, path);
    }
  });

  it('writes byte-identical files on a second build', () => {
    buildOfflineAssets({ outDir: second, force: true, log: silent });
    const files = listFiles(first);
    assert.deepEqual(listFiles(second), files);
    for (const f of files) assert.ok(readFileSync(join(first, f)).equals(readFileSync(join(second, f))), f);
  });

  it('lists every output in the manifest with its size, sha256 and source versions', () => {
    const onDisk = listFiles(first).filter((f) => f !== ASSET_PATHS.manifest);
    assert.deepEqual(
      manifest.files.map((f) => f.path),
      onDisk,
    );
    for (const file of manifest.files) {
      const bytes = readFileSync(join(first, file.path));
      assert.equal(file.bytes, bytes.length, file.path);
      assert.equal(file.sha256, sha256(bytes), file.path);
    }
    for (const path of [
      ASSET_PATHS.faceDetectorModel,
      ASSET_PATHS.faceLandmarkerModel,
      ASSET_PATHS.zxingReaderWasm,
    ]) {
      assert.ok(onDisk.includes(path), path);
    }
    assert.ok(onDisk.includes(`${ASSET_PATHS.mediapipeWasm}vision_wasm_internal.wasm`));
    assert.ok(onDisk.includes(`${ASSET_PATHS.mediapipeWasm}vision_wasm_internal.js`));
    for (const name of [
      '@mediapipe/tasks-vision',
      '@mediapipe/face_detection',
      '@mediapipe/face_mesh',
      'zxing-wasm',
    ]) {
      assert.equal(manifest.packages[name], findInstalledPackage(name as never).version, name);
    }
    assert.equal(
      manifest.packages['@mediapipe/tasks-vision'],
      '0.10.35',
      'DESIGN.md pins tasks-vision exactly',
    );
  });

  it('copies the wasm files unchanged', () => {
    const tasksVision = findInstalledPackage('@mediapipe/tasks-vision').dir;
    for (const f of readdirSync(join(tasksVision, 'wasm'))) {
      assert.ok(
        readFileSync(join(tasksVision, 'wasm', f)).equals(readFileSync(join(first, 'mediapipe', f))),
        f,
      );
    }
    const zxing = findInstalledPackage('zxing-wasm').dir;
    const reader = readFileSync(join(first, ASSET_PATHS.zxingReaderWasm));
    assert.ok(readFileSync(join(zxing, 'dist/reader/zxing_reader.wasm')).equals(reader));
    assert.ok(WebAssembly.validate(reader), 'zxing_reader.wasm is a valid wasm module');
  });

  it('skips an up-to-date build and redoes a tampered one', () => {
    const detectorPath = join(first, ASSET_PATHS.faceDetectorModel);
    const before = statSync(detectorPath).mtimeMs;
    assert.equal(buildOfflineAssets({ outDir: first, log: silent }).upToDate, true);
    assert.equal(statSync(detectorPath).mtimeMs, before, 'an up-to-date build writes nothing');

    writeFileSync(detectorPath, 'not a model');
    const rebuilt = buildOfflineAssets({ outDir: first, log: silent });
    assert.equal(rebuilt.upToDate, false);
    assert.equal(sha256(readFileSync(detectorPath)), MODEL_SHA256[ASSET_PATHS.faceDetectorModel]);
  });

  it('removes files an earlier build wrote that the new one does not, and nothing else', () => {
    const manifestPath = join(first, ASSET_PATHS.manifest);
    const previous = JSON.parse(readFileSync(manifestPath, 'utf8')) as AssetManifest;
    const dropped = 'mediapipe/vision_wasm_dropped_internal.wasm';
    const unrelated = join(first, 'mediapipe', 'not-ours.txt');
    writeFileSync(join(first, dropped), 'old');
    writeFileSync(unrelated, 'someone else');
    previous.files.push({ path: dropped, bytes: 3, sha256: sha256(Buffer.from('old')), from: [] });
    previous.recipeSha256 = 'older recipe';
    writeFileSync(manifestPath, JSON.stringify(previous));

    const report = buildOfflineAssets({ outDir: first, log: silent });
    assert.equal(report.upToDate, false, 'a different recipe forces a rebuild');
    assert.ok(!listFiles(first).includes(dropped));
    assert.equal(readFileSync(unrelated, 'utf8'), 'someone else');
    rmSync(unrelated);
  });

  it('bundles the landmarker as a stored zip with the entries FaceLandmarker looks up', () => {
    const task = readFileSync(join(first, ASSET_PATHS.faceLandmarkerModel));
    const entries = listTaskBundle(task);
    assert.deepEqual(
      entries.map((e) => e.name),
      [
        'face_detector.tflite',
        'face_landmarks_detector.tflite',
        'geometry_pipeline_metadata_landmarks.binarypb',
      ],
    );
    for (const e of entries) {
      assert.equal(e.stored, true, `${e.name} must be stored, not deflated`);
      assert.equal(e.size, e.originalSize, e.name);
    }
    const unzipped = unzipSync(task);
    const detector = readFileSync(join(first, ASSET_PATHS.faceDetectorModel));
    assert.ok(
      Buffer.from(unzipped['face_detector.tflite']!).equals(detector),
      'the bundle holds the same detector',
    );
  });

  it('gives the detector TFLITE_METADATA with [-1, 1] input normalization', () => {
    const detector = readFileSync(join(first, ASSET_PATHS.faceDetectorModel));
    const described = describeTflite(detector);
    assert.deepEqual(
      described.metadata.map((m) => m.name),
      [TFLITE_METADATA_NAME],
    );
    const metadata = metadataBufferBytes(detector, TFLITE_METADATA_NAME);
    assert.ok(metadata && metadata.length > 0);
    assert.equal(Buffer.from(metadata.subarray(4, 8)).toString('latin1'), 'M001');
    assert.deepEqual(readImageNormalization(detector), { mean: [127.5], std: [127.5] });
    // The graph itself is untouched: same input and outputs as the npm model.
    const source = readFileSync(
      join(findInstalledPackage('@mediapipe/face_detection').dir, 'face_detection_short_range.tflite'),
    );
    const original = describeTflite(source);
    assert.deepEqual(described.inputs, original.inputs);
    assert.deepEqual(described.outputs, original.outputs);
    assert.equal(described.bufferCount, original.bufferCount + 1);
    assert.equal(readImageNormalization(source), undefined, 'the npm model has no metadata');
  });

  it('rewires the landmark model to [478 × xyz, face flag] with [0, 1] input normalization', () => {
    const landmarks = unzipSync(readFileSync(join(first, ASSET_PATHS.faceLandmarkerModel)))[
      'face_landmarks_detector.tflite'
    ]!;
    const described = describeTflite(landmarks);
    assert.equal(described.outputs.length, 2);
    assert.deepEqual(described.outputs[0], {
      name: 'landmarks_478',
      shape: [1, 1, 1, 1434],
      type: 'FLOAT32',
    });
    assert.equal(
      described.outputs[1]!.shape.reduce((a, b) => a * b, 1),
      1,
      'second output is the face flag',
    );
    assert.deepEqual(described.inputs[0]!.shape, [1, 192, 192, 3]);
    assert.deepEqual(readImageNormalization(landmarks), { mean: [0], std: [255] });
  });
});

describe('landmark gather map', () => {
  const idx = landmarkGatherIndices();

  it('reads every value from inside the 1868-float concatenation', () => {
    assert.equal(idx.length, 478 * 3);
    for (const i of idx) assert.ok(i >= 0 && i < 1868);
  });

  it('keeps mesh z, refines lips / eyes x,y and fills the irises from the iris outputs', () => {
    // Landmark 1 (nose tip) is not refined: x, y, z straight from the mesh.
    assert.deepEqual([...idx.subarray(3, 6)], [3, 4, 5]);
    // Landmark 61 (mouth corner) is the first lips point: x,y from the lips output, z from the mesh.
    assert.deepEqual([...idx.subarray(3 * 61, 3 * 61 + 3)], [1404, 1405, 3 * 61 + 2]);
    // Landmark 468 is the first left-iris point; its z comes from a lower-lid point of that eye (145).
    assert.deepEqual([...idx.subarray(3 * 468, 3 * 468 + 3)], [1848, 1849, 3 * 145 + 2]);
    assert.deepEqual([...idx.subarray(3 * 477, 3 * 477 + 3)], [1866, 1867, 3 * 374 + 2]);
  });
});

describe('transform guards', () => {
  it('refuses bytes that are not a TFLite model', () => {
    assert.throws(
      () => addTfliteMetadata(new Uint8Array(64), { name: 'x', mean: [0], std: [1] }),
      (e: unknown) => e instanceof AssetBuildError && e.code === 'NOT_TFLITE',
    );
  });

  it('refuses to add metadata twice', () => {
    const source = readFileSync(
      join(findInstalledPackage('@mediapipe/face_detection').dir, 'face_detection_short_range.tflite'),
    );
    const once = addTfliteMetadata(source, { name: 'x', mean: [127.5], std: [127.5] });
    assert.throws(
      () => addTfliteMetadata(once, { name: 'x', mean: [127.5], std: [127.5] }),
      (e: unknown) => e instanceof AssetBuildError && e.code === 'METADATA_ALREADY_PRESENT',
    );
  });

  it('unpacks packed assets by the loader offsets and checks the announced size', () => {
    const loader =
      '{"files": [{"filename": "/a/one.bin", "start": 0, "end": 3}, {"filename": "/two.bin", "start": 3, "end": 5}],' +
      ' "remote_package_size": 5}';
    const files = unpackFaceMeshAssets(loader, new Uint8Array([1, 2, 3, 4, 5]));
    assert.deepEqual([...files.keys()], ['one.bin', 'two.bin']);
    assert.deepEqual([...files.get('two.bin')!], [4, 5]);
    assert.throws(
      () => unpackFaceMeshAssets(loader, new Uint8Array(4)),
      (e: unknown) => e instanceof AssetBuildError && e.code === 'PACKED_ASSET_SIZE_MISMATCH',
    );
    assert.throws(
      () => unpackFaceMeshAssets('{}', new Uint8Array(4)),
      (e: unknown) => e instanceof AssetBuildError && e.code === 'PACKED_ASSET_MISSING',
    );
  });
});
