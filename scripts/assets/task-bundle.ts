/**
 * MediaPipe `.task` bundles: a zip whose entry names the task graph looks up (face_landmarker_graph.cc).
 * Entries must be stored, not deflated: MediaPipe reads them in place from the zip bytes.
 */
import { type UnzipFileInfo, unzipSync, zipSync, type ZippableFile } from 'fflate';

/** Entry names the FaceLandmarker graph looks for. */
export const FaceLandmarkerEntry = {
  detector: 'face_detector.tflite',
  landmarks: 'face_landmarks_detector.tflite',
  /** Needed for facial transformation matrices. */
  geometry: 'geometry_pipeline_metadata_landmarks.binarypb',
} as const;

/**
 * Fixed entry time so the bundle's bytes never depend on when or where it was built. fflate encodes DOS time
 * from local-time fields, so the date is built from local fields too (2000-01-01 00:00 in every time zone).
 */
const ENTRY_TIME = new Date(2000, 0, 1, 0, 0, 0);
const ZIP_METHOD_STORED = 0;

/** A stored zip of `entries`, in the given order. */
export function buildTaskBundle(
  entries: ReadonlyArray<readonly [name: string, bytes: Uint8Array]>,
): Uint8Array {
  const files: Record<string, ZippableFile> = {};
  for (const [name, bytes] of entries) files[name] = [bytes, { level: 0, mtime: ENTRY_TIME }];
  return zipSync(files);
}

export interface TaskBundleEntry {
  name: string;
  /** Bytes in the zip. */
  size: number;
  /** Bytes once extracted. */
  originalSize: number;
  stored: boolean;
}

/** The entries of a bundle as the zip's directory lists them (nothing is extracted). */
export function listTaskBundle(bundle: Uint8Array): TaskBundleEntry[] {
  const entries: TaskBundleEntry[] = [];
  unzipSync(bundle, {
    filter: (file: UnzipFileInfo) => {
      entries.push({
        name: file.name,
        size: file.size,
        originalSize: file.originalSize,
        stored: file.compression === ZIP_METHOD_STORED,
      });
      return false;
    },
  });
  return entries;
}
