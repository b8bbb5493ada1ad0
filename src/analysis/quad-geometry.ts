/** Plane geometry of document quads: ordering, area, shape, homographies and perspective tilt. */
import type { Point, Quad } from './types.js';

export function distance(a: Point, b: Point): number {
  // Not Math.hypot: its overflow guard makes it several times slower, and frame coordinates never need it.
  const dx = a.x - b.x;
  const dy = a.y - b.y;
  return Math.sqrt(dx * dx + dy * dy);
}

/** Signed shoelace area; positive when the corners run clockwise on screen (y down). */
export function polygonArea(points: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    s += a.x * b.y - b.x * a.y;
  }
  return s / 2;
}

/** True when the four corners, in order, make a convex polygon. */
export function isConvex(q: readonly Point[]): boolean {
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const a = q[i]!;
    const b = q[(i + 1) % 4]!;
    const c = q[(i + 2) % 4]!;
    const cross = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x);
    if (cross === 0) return false;
    const s = Math.sign(cross);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

/**
 * Puts four corners in screen order TL, TR, BR, BL: clockwise around the centroid, starting with the corner
 * nearest the frame's top-left (smallest x + y), which is stable for cards rotated up to ±45°.
 */
export function orderQuad(points: readonly Point[]): Quad {
  const cx = (points[0]!.x + points[1]!.x + points[2]!.x + points[3]!.x) / 4;
  const cy = (points[0]!.y + points[1]!.y + points[2]!.y + points[3]!.y) / 4;
  const sorted = [...points].sort((a, b) => Math.atan2(a.y - cy, a.x - cx) - Math.atan2(b.y - cy, b.x - cx));
  let start = 0;
  for (let i = 1; i < 4; i++) {
    if (sorted[i]!.x + sorted[i]!.y < sorted[start]!.x + sorted[start]!.y) start = i;
  }
  return [0, 1, 2, 3].map((k) => ({ ...sorted[(start + k) % 4]! })) as Quad;
}

/** Side lengths top, right, bottom, left. */
export function sideLengths(q: Quad): [number, number, number, number] {
  return [distance(q[0], q[1]), distance(q[1], q[2]), distance(q[2], q[3]), distance(q[3], q[0])];
}

/** Long over short side, each averaged over its opposite pair (≥ 1, orientation-free). */
export function quadAspect(q: Quad): number {
  const [t, r, b, l] = sideLengths(q);
  const a = (t + b) / 2;
  const c = (r + l) / 2;
  return Math.max(a, c) / Math.max(1e-9, Math.min(a, c));
}

/** Largest deviation of an interior corner angle from 90°, in degrees. */
export function maxCornerAngleDeviation(q: Quad): number {
  let worst = 0;
  for (let i = 0; i < 4; i++) {
    const p = q[i]!;
    const a = q[(i + 3) % 4]!;
    const b = q[(i + 1) % 4]!;
    const ux = a.x - p.x;
    const uy = a.y - p.y;
    const vx = b.x - p.x;
    const vy = b.y - p.y;
    const cos = (ux * vx + uy * vy) / Math.max(1e-9, Math.hypot(ux, uy) * Math.hypot(vx, vy));
    const deg = (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
    worst = Math.max(worst, Math.abs(deg - 90));
  }
  return worst;
}

/** Largest ratio between opposite sides (1 for a parallelogram); grows with perspective foreshortening. */
export function oppositeSideRatio(q: Quad): number {
  const [t, r, b, l] = sideLengths(q);
  return Math.max(
    Math.max(t, b) / Math.max(1e-9, Math.min(t, b)),
    Math.max(r, l) / Math.max(1e-9, Math.min(r, l)),
  );
}

/** Largest displacement of a corner between two quads (frame pixels), matching corners in order. */
export function maxCornerDisplacement(a: Quad, b: Quad): number {
  let m = 0;
  for (let i = 0; i < 4; i++) m = Math.max(m, distance(a[i]!, b[i]!));
  return m;
}

export function pointInQuad(p: Point, q: Quad): boolean {
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const a = q[i]!;
    const b = q[(i + 1) % 4]!;
    const cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
    const s = Math.sign(cross);
    if (s === 0) continue;
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

/** A 3×3 homography, row-major. */
export type Homography = Float64Array;

/** Solves for H with H·src[i] ∝ dst[i] (four correspondences, direct linear transform with h33 = 1). */
export function homographyFromPoints(src: readonly Point[], dst: readonly Point[]): Homography | undefined {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const { x, y } = src[i]!;
    const { x: u, y: v } = dst[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  // Gaussian elimination with partial pivoting on the 8×9 augmented matrix.
  for (let c = 0; c < 8; c++) {
    let pivot = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    if (Math.abs(a[pivot]![c]!) < 1e-12) return undefined;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      if (f === 0) continue;
      for (let k = c; k < 9; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  const h = new Float64Array(9);
  for (let i = 0; i < 8; i++) h[i] = a[i]![8]! / a[i]![i]!;
  h[8] = 1;
  return h;
}

export function applyHomography(h: Homography, x: number, y: number): Point {
  const w = h[6]! * x + h[7]! * y + h[8]!;
  return { x: (h[0]! * x + h[1]! * y + h[2]!) / w, y: (h[3]! * x + h[4]! * y + h[5]!) / w };
}

/**
 * Angle in degrees between the document plane and the image plane, from the vanishing points of the two pairs
 * of opposite sides and a pinhole camera with focal length `focalPx` centred on the frame. 0 = the card faces
 * the camera squarely. Weak perspective (a small, far card) makes this under-estimate; callers also check
 * corner angles and aspect.
 */
export function perspectiveTiltDeg(
  q: Quad,
  frameWidth: number,
  frameHeight: number,
  focalPx: number,
): number {
  const cx = frameWidth / 2;
  const cy = frameHeight / 2;
  // Homogeneous camera rays of the corners (K⁻¹·p).
  const ray = (p: Point): [number, number, number] => [(p.x - cx) / focalPx, (p.y - cy) / focalPx, 1];
  const cross = (u: number[], v: number[]): [number, number, number] => [
    u[1]! * v[2]! - u[2]! * v[1]!,
    u[2]! * v[0]! - u[0]! * v[2]!,
    u[0]! * v[1]! - u[1]! * v[0]!,
  ];
  const r = q.map(ray);
  // Side lines, then their intersections: the edge directions in 3D (vanishing points).
  const top = cross(r[0]!, r[1]!);
  const bottom = cross(r[3]!, r[2]!);
  const left = cross(r[0]!, r[3]!);
  const right = cross(r[1]!, r[2]!);
  const d1 = cross(top, bottom);
  const d2 = cross(left, right);
  const n = cross(d1, d2);
  const len = Math.hypot(n[0], n[1], n[2]);
  if (len < 1e-12) return 0;
  const cos = Math.abs(n[2]) / len;
  return (Math.acos(Math.min(1, cos)) * 180) / Math.PI;
}

/**
 * Width / height of the real rectangle seen as `q` (TL, TR, BR, BL), undoing perspective with a pinhole camera of
 * focal length `focalPx` centred on the frame (Zhang & He, "Whiteboard scanning and image enhancement", 2007). A
 * card seen at an angle looks shorter one way; this is the shape it has on the table, so a tilted ID-1 card still
 * measures 1.586 and an aspect that matches no document means a wrong outline, not a tilt. Falls back to the
 * image aspect (long / short orientation kept) when the quad is too close to a parallelogram for the formula.
 */
export function rectifiedAspect(q: Quad, frameWidth: number, frameHeight: number, focalPx: number): number {
  const u0 = frameWidth / 2;
  const v0 = frameHeight / 2;
  const h = (p: Point): [number, number, number] => [p.x, p.y, 1];
  const cross = (a: number[], b: number[]): [number, number, number] => [
    a[1]! * b[2]! - a[2]! * b[1]!,
    a[2]! * b[0]! - a[0]! * b[2]!,
    a[0]! * b[1]! - a[1]! * b[0]!,
  ];
  const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
  // The paper's m1..m4 are TL, TR, BL, BR.
  const m1 = h(q[0]);
  const m2 = h(q[1]);
  const m3 = h(q[3]);
  const m4 = h(q[2]);
  const k2 = dot(cross(m1, m4), m3) / dot(cross(m2, m4), m3);
  const k3 = dot(cross(m1, m4), m2) / dot(cross(m3, m4), m2);
  const n2 = [k2 * m2[0] - m1[0], k2 * m2[1] - m1[1], k2 * m2[2] - m1[2]];
  const n3 = [k3 * m3[0] - m1[0], k3 * m3[1] - m1[1], k3 * m3[2] - m1[2]];
  const norm = (n: number[]) =>
    ((n[0]! - u0 * n[2]!) ** 2 + (n[1]! - v0 * n[2]!) ** 2) / (focalPx * focalPx) + n[2]! * n[2]!;
  const ratio = Math.sqrt(norm(n2) / norm(n3));
  if (!Number.isFinite(ratio) || ratio <= 0) {
    const [t, r, b, l] = sideLengths(q);
    return (t + b) / Math.max(1e-9, r + l);
  }
  return ratio;
}

/**
 * The quad's corners renumbered so that TL→TR runs along a long side (the document's reading direction, up to a
 * half turn): a card held sideways, or a page photographed portrait, rectifies to a landscape image with its text
 * upright or upside down. Of the two choices, the one whose top edge points most nearly left-to-right in the frame.
 */
export function uprightQuad(q: Quad): Quad {
  const [t, r, b, l] = sideLengths(q);
  // A long side first: shift by one corner when the left/right pair is the longer.
  const shift = r + l > t + b ? 1 : 0;
  const a: Quad = [q[shift % 4]!, q[(shift + 1) % 4]!, q[(shift + 2) % 4]!, q[(shift + 3) % 4]!];
  const b2: Quad = [a[2], a[3], a[0], a[1]];
  return a[1].x - a[0].x >= b2[1].x - b2[0].x ? a : b2;
}
