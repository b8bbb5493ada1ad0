/** Shared shapes of the frame-analysis API. Pure data: no DOM, no Node APIs. */

/** An RGBA frame, shaped like `ImageData` so a worker can pass one straight through. */
export interface FrameLike {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** A point in frame pixels (continuous coordinates: pixel `i` covers `[i, i + 1)`). */
export interface Point {
  x: number;
  y: number;
}

/** Document corners in frame pixels, in the order top-left, top-right, bottom-right, bottom-left. */
export type Quad = [Point, Point, Point, Point];

/** A rectangle in frame pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One MediaPipe face-mesh landmark: `x`, `y` normalised to 0..1 of the frame, `z` roughly in units of `x`. */
export interface Landmark {
  x: number;
  y: number;
  z: number;
}

/** What a face detector / landmarker found in one frame. */
export interface FaceObservation {
  /** Bounding box in frame pixels. */
  box: Box;
  /** Detection confidence 0..1. */
  score: number;
  /** Frame pixels, MediaPipe FaceDetector order (right eye, left eye, nose tip, mouth, right ear, left ear). */
  keypoints?: Point[];
  /** Normalised 0..1 like MediaPipe FaceLandmarker: 478 points (468 mesh + 10 iris). */
  landmarks?: Landmark[];
  /** 4×4 column-major facial transformation matrix from FaceLandmarker. */
  transformationMatrix?: number[];
}

export type DocumentIssue =
  | 'NO_DOCUMENT'
  | 'DOCUMENT_TOO_FAR'
  | 'DOCUMENT_TOO_CLOSE'
  | 'DOCUMENT_CUT_OFF'
  | 'TILTED'
  | 'BLURRY'
  | 'GLARE'
  | 'TOO_DARK'
  | 'TOO_BRIGHT'
  | 'MOVING'
  | 'NO_FACE_ON_DOCUMENT'
  | 'BARCODE_UNREADABLE'
  | 'RESOLUTION_TOO_LOW';

export type FaceIssue =
  | 'NO_FACE'
  | 'MULTIPLE_FACES'
  | 'FACE_TOO_SMALL'
  | 'FACE_TOO_CLOSE'
  | 'FACE_NOT_CENTERED'
  | 'FACE_NOT_FRONTAL'
  | 'EYES_CLOSED'
  | 'BLURRY'
  | 'TOO_DARK'
  | 'TOO_BRIGHT';

/** Which device class the thresholds are tuned for: desktop webcams are softer and darker than phone cameras. */
export type CaptureProfile = 'phone' | 'desktop';

/** Which document shape to look for: ID-1 card (85.60 × 53.98 mm), passport data page (125 × 88 mm), or either. */
export type DocumentKind = 'id1' | 'passport' | 'any';
