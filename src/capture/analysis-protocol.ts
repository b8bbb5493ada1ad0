/**
 * Typed messages between the page and the analysis worker. Frames travel as transferred `ImageBitmap`s at camera
 * resolution; the worker scales them down to `analysisWidth` for the checks and reports quads in that space plus
 * the scale back to the source.
 */
import type {
  CaptureProfile,
  DocumentIssue,
  DocumentKind,
  FaceIssue,
  FaceObservation,
  Quad,
} from '../analysis/types.js';
import type { BarcodeReadResult } from './barcode.js';
import type { FaceRuntimeStage } from './face-runtime.js';

/** Document options that can cross the worker boundary (plain data). */
export interface DocumentFrameOptions {
  kind?: DocumentKind;
  side?: 'front' | 'back';
  /**
   * Face-on-card check for the front of photo IDs: `skip` (never), `if-ready` (only once the face detector is
   * loaded, its load started by the first such frame, so live feedback never waits for a download), `wait` (load
   * it: used at capture time).
   */
  faceCheck?: 'skip' | 'if-ready' | 'wait';
  /**
   * Barcode that must decode (back of US / CA driving licences: `pdf417`, AAMVA payload); runs only on frames
   * that pass every other check, and adds BARCODE_UNREADABLE when it does not decode. The barcode is read from
   * the frame as sent (not the analysis-width copy), so send the capture-resolution still when it matters.
   */
  barcode?: 'pdf417';
  /**
   * `if-ready` (default): read only when the reader is already loaded, and start loading it otherwise, so live
   * feedback never waits for the download; `wait`: load it and read (used at capture time).
   */
  barcodeCheck?: 'if-ready' | 'wait';
  /** The previous frame's quad, in analysis pixels, for the steadiness check. */
  previousQuad?: Quad;
  /** Size of the full-resolution still this frame stands for, when a downscaled copy is sent (default: the frame). */
  captureResolution?: { width: number; height: number };
}

export interface DocumentFrameResult {
  ok: boolean;
  issues: DocumentIssue[];
  score: number;
  quad?: Quad;
  metrics: Record<string, number | undefined>;
  /** Faces found on the card (when the face check ran), analysis pixels. */
  faces?: FaceObservation[];
  faceCheck: 'skipped' | 'done';
  /** What the barcode reader found, when it ran (`barcode` option). Its text is personal data: never log it. */
  barcode?: BarcodeReadResult;
  barcodeCheck: 'skipped' | 'done';
  /** Source pixels per analysis pixel. */
  scale: number;
  analysisWidth: number;
  analysisHeight: number;
  /** Worker time for the whole request, ms. */
  ms: number;
  /** Of which: drawing the frame and reading its pixels back (canvas work, not analysis), ms. Set by the worker. */
  readMs?: number;
}

/** Face options that can cross the worker boundary (plain data). */
export interface FaceFrameOptions {
  /**
   * `periodic` (default): live frames; the face detector looks for faces other than the tracked one every few
   * frames and its last answer stands in between. `now`: look on this frame (loading the detector if needed),
   * for the final check of a still, where an answer a few frames old is not good enough.
   */
  otherFaces?: 'periodic' | 'now';
}

export interface FaceFrameResult {
  ok: boolean;
  issues: FaceIssue[];
  score: number;
  metrics: Record<string, number | undefined>;
  faces: FaceObservation[];
  scale: number;
  /** Worker time for the whole request, ms. */
  ms: number;
  /** Of which: drawing the frame and the landmarker's smaller copy of it, ms. Set by the worker. */
  readMs?: number;
  /** Of which: the MediaPipe landmarker, ms. Set by the worker. */
  landmarkMs?: number;
  /**
   * Of which: the face detector looking for other faces than the tracked one on this frame, ms; set on the first
   * frame of a track and on stills (`otherFaces: 'now'`), absent on the others.
   */
  detectorMs?: number;
  /**
   * Not part of `ms`: the periodic search for other faces that ran after the previous frame's answer, whose
   * findings this frame is the first to show. Absent on the frames in between, which reuse its last answer.
   */
  backgroundDetectorMs?: number;
}

export type AnalysisRequest =
  | { type: 'configure'; assetBase: string; profile: CaptureProfile; analysisWidth: number }
  /** Compile the document checks ahead of the first camera frame (`prepare()`); answered by `ready`. */
  | { type: 'warm-up' }
  | { type: 'preload-faces' }
  | { type: 'preload-barcode' }
  | { type: 'document'; id: number; frame: ImageBitmap; options: DocumentFrameOptions }
  | { type: 'face'; id: number; frame: ImageBitmap; timestampMs: number; options?: FaceFrameOptions }
  | { type: 'dispose' };

export type AnalysisErrorCode = 'ASSET_LOAD_FAILED' | 'ANALYSIS_FAILED';

export type AnalysisResponse =
  /** Configured and warmed up: the next document frame runs at full speed. */
  | { type: 'ready' }
  | { type: 'progress'; stage: FaceRuntimeStage; done: number; total: number }
  | { type: 'faces-ready' }
  | { type: 'barcode-ready' }
  | { type: 'document'; id: number; result: DocumentFrameResult }
  | { type: 'face'; id: number; result: FaceFrameResult }
  | {
      type: 'error';
      id?: number;
      /** Set when a preload failed (no request id): which one. */
      preload?: 'faces' | 'barcode';
      code: AnalysisErrorCode;
      message: string;
    };
