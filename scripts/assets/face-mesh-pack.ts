/**
 * Unpacks the files Emscripten packed into @mediapipe/face_mesh's `face_mesh_solution_packed_assets.data`.
 * Its loader script lists them as `{"filename": …, "start": …, "end": …}` and announces the total size as
 * `remote_package_size`; we read those numbers as text rather than running the loader.
 */
import { AssetBuildError } from './asset-build-error.js';

export const FACE_MESH_LOADER = 'face_mesh_solution_packed_assets_loader.js';
export const FACE_MESH_PACKED_DATA = 'face_mesh_solution_packed_assets.data';

/** The packed files the landmarker bundle is built from. */
export const ATTENTION_LANDMARK_MODEL = 'face_landmark_with_attention.tflite';
export const GEOMETRY_PIPELINE_METADATA = 'geometry_pipeline_metadata_landmarks.binarypb';

/**
 * File name (without the loader's leading folders) → bytes, as views into `packed`.
 * Throws PACKED_ASSET_MISSING when the loader lists nothing and PACKED_ASSET_SIZE_MISMATCH when `packed`
 * is not the size the loader expects (a different package version or a truncated install).
 */
export function unpackFaceMeshAssets(loaderSource: string, packed: Uint8Array): Map<string, Uint8Array> {
  const announced = loaderSource.match(/"remote_package_size":\s*(\d+)/);
  if (announced && Number(announced[1]) !== packed.length) {
    throw new AssetBuildError(
      'PACKED_ASSET_SIZE_MISMATCH',
      `${FACE_MESH_PACKED_DATA} has ${packed.length} bytes, its loader expects ${announced[1]}`,
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const m of loaderSource.matchAll(/"filename":\s*"([^"]+)",\s*"start":\s*(\d+),\s*"end":\s*(\d+)/g)) {
    const [, filename, start, end] = m;
    if (Number(end) > packed.length || Number(start) > Number(end)) {
      throw new AssetBuildError(
        'PACKED_ASSET_SIZE_MISMATCH',
        `${filename} lies outside ${FACE_MESH_PACKED_DATA}`,
      );
    }
    files.set(filename!.split('/').pop()!, packed.subarray(Number(start), Number(end)));
  }
  if (files.size === 0)
    throw new AssetBuildError('PACKED_ASSET_MISSING', `${FACE_MESH_LOADER} lists no files`);
  return files;
}

/** One unpacked file, or PACKED_ASSET_MISSING. */
export function requirePackedAsset(files: Map<string, Uint8Array>, name: string): Uint8Array {
  const bytes = files.get(name);
  if (!bytes) throw new AssetBuildError('PACKED_ASSET_MISSING', `${name} is not in ${FACE_MESH_PACKED_DATA}`);
  return bytes;
}
