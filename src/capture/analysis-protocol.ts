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
import type { FaceRuntimeStage } from './face-runtime.js';

/** Document options that can cross the worker boundary (plain data). */
export interface DocumentFrameOptions {
  kind?: DocumentKind;
  side?: 'front' | 'back';
  /**
   * Face-on-card check for the front of photo IDs: `skip` (never), `if-ready` (only when the face runtime is
   * already loaded, so live feedback never waits for a download), `wait` (load it: used at capture time).
   */
  faceCheck?: 'skip' | 'if-ready' | 'wait';
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
  /** Source pixels per analysis pixel. */
  scale: number;
  analysisWidth: number;
  analysisHeight: number;
  ms: number;
}

export interface FaceFrameResult {
  ok: boolean;
  issues: FaceIssue[];
  score: number;
  metrics: Record<string, number | undefined>;
  faces: FaceObservation[];
  scale: number;
  ms: number;
}

export type AnalysisRequest =
  | { type: 'configure'; assetBase: string; profile: CaptureProfile; analysisWidth: number }
  | { type: 'preload-faces' }
  | { type: 'document'; id: number; frame: ImageBitmap; options: DocumentFrameOptions }
  | { type: 'face'; id: number; frame: ImageBitmap; timestampMs: number }
  | { type: 'dispose' };

export type AnalysisErrorCode = 'ASSET_LOAD_FAILED' | 'ANALYSIS_FAILED';

export type AnalysisResponse =
  | { type: 'progress'; stage: FaceRuntimeStage; done: number; total: number }
  | { type: 'faces-ready' }
  | { type: 'document'; id: number; result: DocumentFrameResult }
  | { type: 'face'; id: number; result: FaceFrameResult }
  | { type: 'error'; id?: number; code: AnalysisErrorCode; message: string };
