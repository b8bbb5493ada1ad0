import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ASSET_PATHS, assetUrl, mediapipeWasmBase } from '../../../src/capture/asset-manifest.js';

describe('asset manifest paths', () => {
  it('joins an asset base with or without a trailing slash', () => {
    assert.equal(assetUrl('/dist/assets', 'faceDetectorModel'), '/dist/assets/models/face_detector.tflite');
    assert.equal(
      assetUrl('/dist/assets/', 'faceLandmarkerModel'),
      '/dist/assets/models/face_landmarker.task',
    );
    assert.equal(
      assetUrl('https://idv.example.com/assets//', 'zxingReaderWasm'),
      'https://idv.example.com/assets/zxing/zxing_reader.wasm',
    );
  });

  it('gives FilesetResolver a folder without a trailing slash (it appends /vision_wasm_internal.js)', () => {
    assert.equal(mediapipeWasmBase('/dist/assets/'), '/dist/assets/mediapipe');
    assert.equal(
      `${mediapipeWasmBase('http://localhost:8080/a')}/vision_wasm_internal.js`,
      'http://localhost:8080/a/mediapipe/vision_wasm_internal.js',
    );
  });

  it('keeps every path relative to the base', () => {
    for (const path of Object.values(ASSET_PATHS)) {
      assert.ok(!path.startsWith('/') && !path.includes('..') && !path.includes('://'), path);
    }
  });
});
