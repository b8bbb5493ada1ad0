/**
 * Where the offline runtime assets live below `asset-base` (see DESIGN.md §7). `npm run build:assets` writes
 * them (scripts/build-assets.ts); the widget loads them and the server serves them. Nothing here is fetched
 * from a third-party origin. No DOM, no Node APIs: shared by the browser and the server.
 *
 * @example
 * const fileset = await FilesetResolver.forVisionTasks(mediapipeWasmBase(assetBase));
 * const modelAssetPath = assetUrl(assetBase, 'faceDetectorModel');
 */

/** Paths relative to `asset-base`. */
export const ASSET_PATHS = {
  /** The `@mediapipe/tasks-vision` wasm folder (the FilesetResolver base). */
  mediapipeWasm: 'mediapipe/',
  /** Short-range face detector (@mediapipe/face_detection + TFLite metadata). */
  faceDetectorModel: 'models/face_detector.tflite',
  /** FaceLandmarker bundle: detector + 478-point attention mesh + geometry pipeline metadata. */
  faceLandmarkerModel: 'models/face_landmarker.task',
  /** `zxing-wasm` reader binary, for PDF417 on the back of driving licences. */
  zxingReaderWasm: 'zxing/zxing_reader.wasm',
  /** What was built: every file's path, size and sha256, and the source package versions. */
  manifest: 'manifest.json',
} as const;

export type AssetName = keyof typeof ASSET_PATHS;

/** `assetBase` joined with an asset's path; `assetBase` may be a URL or a path, with or without a trailing `/`. */
export function assetUrl(assetBase: string, name: AssetName): string {
  return `${assetBase.replace(/\/+$/, '')}/${ASSET_PATHS[name]}`;
}

/** The folder for `FilesetResolver.forVisionTasks`, which appends `/vision_wasm_internal.js` itself. */
export function mediapipeWasmBase(assetBase: string): string {
  return assetUrl(assetBase, 'mediapipeWasm').replace(/\/+$/, '');
}

/** One file listed in `manifest.json`. */
export interface AssetManifestFile {
  /** Relative to `asset-base`, `/`-separated. */
  path: string;
  bytes: number;
  sha256: string;
  /** npm packages the file was copied or built from. */
  from: string[];
}

/** One input the build read, with its digest; the build is skipped when these and our recipe are unchanged. */
export interface AssetManifestInput {
  package: string;
  path: string;
  bytes: number;
  sha256: string;
}

/** The shape of `manifest.json`. */
export interface AssetManifest {
  formatVersion: 1;
  /** Source npm package name → installed version. */
  packages: Record<string, string>;
  /** sha256 of the build code (scripts/assets/*.ts and scripts/build-assets.ts). */
  recipeSha256: string;
  inputs: AssetManifestInput[];
  files: AssetManifestFile[];
}
