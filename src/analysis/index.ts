/**
 * On-device frame analysis: document quality, face checks and auto-capture gating. Pure TypeScript on pixels
 * and landmarks — no DOM, no Node APIs, no wasm — so it runs in a Web Worker, in Node tests and on the server.
 */
export type {
  Box,
  CaptureProfile,
  DocumentIssue,
  DocumentKind,
  FaceIssue,
  FaceObservation,
  FrameLike,
  Landmark,
  Point,
  Quad,
} from './types.js';
export {
  amendDocumentAssessment,
  assessDocumentFrame,
  DOCUMENT_ISSUE_PRIORITY,
  type DocumentAssessment,
  type DocumentAssessOptions,
  type DocumentVerdicts,
} from './document-assessment.js';
export { DOCUMENT_THRESHOLDS, type DocumentThresholds, documentThresholds } from './document-thresholds.js';
export {
  type DocumentKindGuess,
  type DocumentQuadResult,
  detectEdges,
  type EdgeMap,
  type FindDocumentQuadOptions,
  findDocumentQuad,
  guessDocumentKind,
} from './document-quad.js';
export {
  assessFaceFrame,
  FACE_ISSUE_PRIORITY,
  FACE_THRESHOLDS,
  type FaceAssessment,
  type FaceAssessOptions,
  type FaceThresholds,
  type FramePixelSource,
} from './face-assessment.js';
export {
  eyeOpenness,
  FACE_MESH_INDEX,
  faceWidthRatio,
  type HeadPose,
  headPoseFromLandmarks,
  headPoseFromMatrix,
  mouthOpenness,
} from './face-geometry.js';
export {
  exposureStats,
  type ExposureStats,
  type ColorImage,
  type LumaImage,
  type LumaRegion,
  lumaHistogram,
  toColorImage,
  toLuma,
} from './luma.js';
export { rectifyQuadLuma, rectifyQuadRgba } from './rectify.js';
export {
  directionalSharpness,
  directionalVariances,
  laplacianVariance,
  streakAnisotropy,
  textureSharpness,
} from './sharpness.js';
export { type GlareOptions, type GlareStats, glareStats } from './glare.js';
export {
  maxCornerAngleDeviation,
  maxCornerDisplacement,
  orderQuad,
  perspectiveTiltDeg,
  pointInQuad,
  quadAspect,
  rectifiedAspect,
  uprightQuad,
} from './quad-geometry.js';
export { CaptureGate, type CaptureGateOptions, type CaptureGateState } from './capture-gate.js';
