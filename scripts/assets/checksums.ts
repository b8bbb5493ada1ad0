/**
 * Expected sha256 of the built models. The build is deterministic (no timestamps, fixed zip entry time, fixed
 * write order), so any other value means a source package or the transform changed: re-test the models in a
 * browser (test/browser/offline-models.test.ts) before updating these.
 *
 * Measured 2026-11-22 from @mediapipe/face_detection 0.4.1657300184 and @mediapipe/face_mesh 0.4.1657299874.
 * Both equal the values the prototype recorded (58c3ab62…18f9, ce43ca86…0f81): this port writes the same
 * flatbuffer tables in the same order and the same stored zip.
 */
import { ASSET_PATHS } from '../../src/capture/asset-manifest.js';

export const MODEL_SHA256: Readonly<Record<string, string>> = {
  /** 229,872 B. */
  [ASSET_PATHS.faceDetectorModel]: '58c3ab625f64d8f5a127129bf1e59abf90bab01976d1a0727b9838b32f1a18f9',
  /** 2,761,192 B. */
  [ASSET_PATHS.faceLandmarkerModel]: 'ce43ca86e839eb6f011d758feaf41edd8f2acee370cdb36c792e2cf6ce020f81',
};
