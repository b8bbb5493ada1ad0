/**
 * Face geometry from MediaPipe face-mesh landmarks: head pose, eye and mouth openness, face size. Pure functions
 * of the landmarks, shared by the widget (to guide the user) and the server's liveness verification (to decide),
 * so both sides measure with the very same math. The 468-point canonical mesh topology is identical in
 * MediaPipe's 478-point output (468 + 10 iris points) and in @vladmandic/human's mesh.
 */
import type { Box, Landmark } from './types.js';

/**
 * Mesh indices used here. "left"/"right" mean as seen in the (unmirrored) camera image: the image-left eye is
 * the subject's right eye (MediaPipe's FACEMESH_RIGHT_EYE: corners 33/133, lids 160·159·158 over 144·145·153);
 * the image-right eye is the subject's left (FACEMESH_LEFT_EYE: corners 362/263, lids 385·386·387 over 380·374·373).
 */
export const FACE_MESH_INDEX = {
  leftEye: { outer: 33, inner: 133, upper: [160, 159, 158], lower: [144, 145, 153] },
  rightEye: { outer: 263, inner: 362, upper: [385, 386, 387], lower: [380, 374, 373] },
  /** Inner lip midpoints (13 upper, 14 lower) and inner mouth corners (78 image-left, 308 image-right). */
  mouth: { upper: 13, lower: 14, left: 78, right: 308 },
  /** Top of the forehead and bottom of the chin, on the midline. */
  forehead: 10,
  chin: 152,
  /** Face outline at the cheekbones: 234 image-left, 454 image-right. */
  cheekLeft: 234,
  cheekRight: 454,
  noseTip: 1,
} as const;

/** Head pose in degrees. */
export interface HeadPose {
  /** Positive when the nose points towards the image's right (subject turning to their own left, unmirrored). */
  yaw: number;
  /** Positive when the nose points up. */
  pitch: number;
  /** Positive when the face is rotated counter-clockwise in the image. */
  roll: number;
}

type Vec3 = [number, number, number];
const DEG = 180 / Math.PI;

/**
 * Euler angles of a rotation R = Ry(yaw)·Rx(−pitch)·Rz(roll) given as a row-major accessor, in a right-handed
 * camera frame with x right, y up, z towards the viewer (MediaPipe's metric space; identity = frontal face).
 */
function eulerFromRotation(r: (row: number, col: number) => number): HeadPose {
  const yaw = Math.atan2(r(0, 2), r(2, 2)) * DEG;
  const pitch = Math.asin(Math.max(-1, Math.min(1, r(1, 2)))) * DEG;
  const roll = Math.atan2(r(1, 0), r(1, 1)) * DEG;
  return { yaw, pitch, roll };
}

/**
 * Head pose from FaceLandmarker's facial transformation matrix (4×4, column-major). Only the rotation part is
 * used; columns are normalised so any scale in the matrix does not matter.
 */
export function headPoseFromMatrix(m: readonly number[]): HeadPose {
  const norms = [0, 1, 2].map((c) => Math.hypot(m[c * 4]!, m[c * 4 + 1]!, m[c * 4 + 2]!) || 1);
  return eulerFromRotation((row, col) => m[col * 4 + row]! / norms[col]!);
}

/** Landmark → right-handed space in units of the frame height: x right, y up, z towards the camera. */
function point(lm: readonly Landmark[], i: number, aspect: number): Vec3 {
  const p = lm[i];
  if (!p)
    throw Object.assign(new Error(`face landmark ${i} missing`), { code: 'LANDMARKS_INCOMPLETE' as const });
  // MediaPipe: x, y normalised by width and height; z smaller = closer, on the scale of x.
  return [p.x * aspect, -p.y, -p.z * aspect];
}

function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function norm(a: Vec3): Vec3 {
  const l = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / l, a[1] / l, a[2] / l];
}
function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * Head pose from landmarks alone (fallback when no matrix, and what the server uses on its own mesh): the face's
 * x axis runs cheek to cheek (234 → 454), its y axis chin to forehead (152 → 10), made orthogonal; z = x × y.
 * `frameAspect` = width / height of the frame the landmarks were normalised to (default 1).
 */
export function headPoseFromLandmarks(lm: readonly Landmark[], frameAspect = 1): HeadPose {
  const ix = FACE_MESH_INDEX;
  const ex = norm(sub(point(lm, ix.cheekRight, frameAspect), point(lm, ix.cheekLeft, frameAspect)));
  const up = sub(point(lm, ix.forehead, frameAspect), point(lm, ix.chin, frameAspect));
  const k = dot(up, ex);
  const ey = norm([up[0] - k * ex[0], up[1] - k * ex[1], up[2] - k * ex[2]]);
  const ez = cross(ex, ey);
  const cols = [ex, ey, ez];
  return eulerFromRotation((row, col) => cols[col]![row]!);
}

function dist(lm: readonly Landmark[], a: number, b: number, aspect: number): number {
  const d = sub(point(lm, a, aspect), point(lm, b, aspect));
  return Math.hypot(d[0], d[1], d[2]);
}

/**
 * Eye aspect ratio (Soukupová & Čech, 2016) from the mesh eyelids: mean lid gap over three vertical pairs divided
 * by the corner-to-corner width. ~0.25–0.35 open, < ~0.15 closed. `side` is as seen in the unmirrored image
 * (see FACE_MESH_INDEX). 3D distances, so turning the head changes it little.
 */
export function eyeOpenness(lm: readonly Landmark[], side: 'left' | 'right', frameAspect = 1): number {
  const eye = side === 'left' ? FACE_MESH_INDEX.leftEye : FACE_MESH_INDEX.rightEye;
  let gap = 0;
  for (let k = 0; k < 3; k++) gap += dist(lm, eye.upper[k]!, eye.lower[k]!, frameAspect);
  const width = dist(lm, eye.outer, eye.inner, frameAspect);
  return width > 0 ? gap / (3 * width) : 0;
}

/** Inner-lip gap over inner mouth width: ~0 closed, ~0.5+ wide open. */
export function mouthOpenness(lm: readonly Landmark[], frameAspect = 1): number {
  const m = FACE_MESH_INDEX.mouth;
  const width = dist(lm, m.left, m.right, frameAspect);
  return width > 0 ? dist(lm, m.upper, m.lower, frameAspect) / width : 0;
}

/**
 * Face width as a share of the frame's shorter side: cheek-to-cheek landmark span when landmarks are given (stable
 * across detectors), else the box width. Shorter side, so portrait phone and landscape webcam frames compare.
 */
export function faceWidthRatio(
  face: { box: Box; landmarks?: readonly Landmark[] },
  frame: { width: number; height: number },
): number {
  const lm = face.landmarks;
  const ix = FACE_MESH_INDEX;
  let widthPx = face.box.width;
  if (lm && lm.length > Math.max(ix.cheekLeft, ix.cheekRight)) {
    const a = lm[ix.cheekLeft]!;
    const b = lm[ix.cheekRight]!;
    widthPx = Math.hypot((b.x - a.x) * frame.width, (b.y - a.y) * frame.height);
  }
  return widthPx / Math.min(frame.width, frame.height);
}
