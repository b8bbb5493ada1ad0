/**
 * Synthetic head poses of a face photo (Node only): the photo is texture-mapped onto its own 468-point face mesh
 * (MediaPipe topology, as `analyzeFaces(..., { mesh: true })` or FaceLandmarker give it), the mesh is turned in 3D
 * about a pivot behind the face and projected back, and each triangle is drawn with an affine texture map. The
 * original landmark positions are both the texture coordinates and the rest pose, so the neutral pose reproduces
 * the photo. A few rings of points around the face outline (hair, ears, neck) follow the head with a falloff and
 * the frame border stays put, so the background bends smoothly instead of tearing.
 *
 * Good enough to drive real face models through liveness actions (turn, look up, move closer, blink); not a
 * photorealistic renderer: nothing behind the face is invented, so a strongly turned head smears its near side.
 */
import { type Canvas, createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { Landmark } from '../../../src/analysis/types.js';
import { canvasToRgba, type RgbaImage, rgbaToCanvas } from './rgba-image.js';

/** Head pose to render, relative to the photo's own pose. Angles in degrees, signs as `HeadPose` in face-geometry. */
export interface HeadPoseParams {
  /** Positive turns the nose towards the image's right (the subject's own left, unmirrored). */
  yaw?: number;
  /** Positive tips the nose up. */
  pitch?: number;
  /** Positive rotates the face counter-clockwise in the image. */
  roll?: number;
  /** Face size factor about the face centre, with the perspective of a camera that came closer (default 1). */
  scale?: number;
  /** 0 = eyes as in the photo, 1 = upper lids pulled down onto the lower lids. */
  eyesClosed?: number;
  /** Whole-head shift in photo pixels (the frame border stays, the rings round the face follow part way). */
  shiftX?: number;
  shiftY?: number;
}

/**
 * The 36 points of the face outline, in order round the face (MediaPipe's FACEMESH_FACE_OVAL; the same list as
 * `FaceLandmarker.FACE_LANDMARKS_FACE_OVAL`, copied so Node scripts need not load the wasm bundle's module).
 */
export const FACE_OVAL = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149,
  150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
] as const;

/**
 * Eyelids as [upper, lower] pairs, corner to corner (MediaPipe's eye contours), and the two rows of points above
 * each upper lid (crease, brow bone) that follow the lid part of the way, so the skin stretches over the eye
 * instead of one row of triangles smearing.
 */
const EYELIDS = [
  {
    corners: [33, 133],
    lids: [
      [246, 7],
      [161, 163],
      [160, 144],
      [159, 145],
      [158, 153],
      [157, 154],
      [173, 155],
    ],
    above: [
      [247, 30, 29, 27, 28, 56, 190],
      [113, 225, 224, 223, 222, 221, 189],
    ],
  },
  {
    corners: [263, 362],
    lids: [
      [466, 249],
      [388, 390],
      [387, 373],
      [386, 374],
      [385, 380],
      [384, 381],
      [398, 382],
    ],
    above: [
      [467, 260, 259, 257, 258, 286, 414],
      [342, 445, 444, 443, 442, 441, 413],
    ],
  },
] as const;

/**
 * Where a closed eye's lids meet, as a share of the open gap from the upper lid: 1 = on the lower lid (a closing eye
 * is the upper lid coming down; human's eyelid points barely register anything less).
 */
const LID_MEET = 1;
/** Share of the upper lid's travel that the two rows above it follow. */
const ABOVE_LID_FOLLOW = [0.45, 0.15];

/**
 * Rings round the face outline: distance from the outline's centre as a multiple of the outline's, and how much of
 * the head's motion the ring follows. The first rings are hair, ears and jaw; the outer ones mostly background.
 */
const RINGS: ReadonlyArray<{ radius: number; follow: number }> = [
  { radius: 1.12, follow: 0.85 },
  { radius: 1.3, follow: 0.6 },
  { radius: 1.6, follow: 0.3 },
  { radius: 2.1, follow: 0.1 },
];

/**
 * Depth of the face from nose tip to the cheek outline (234/454) as a share of the cheek-to-cheek width. Mesh models
 * disagree on the z scale (human's raw mesh says ≈ 0.9, MediaPipe's canonical model ≈ 0.55), so z is rescaled to
 * this. 0.75 is tuned on the models: with 0.55, MediaPipe read a rendered 30° turn as only ≈ 20° (the flatter the
 * face, the weaker the parallax cues); with 0.75 it reads 22–32°.
 */
const FACE_DEPTH = 0.75;
/**
 * Rotation pivot behind the nose tip, in cheek widths. A deeper pivot (the real neck axis) slides the whole face
 * sideways over the hair, which this single-photo warp can only smear; 0.6 turns the face more in place.
 */
const PIVOT_DEPTH = 0.6;
/** Camera distance in cheek widths (a 15 cm face at ≈ 40 cm from a 60° webcam: ≈ 2.7). */
const CAMERA_DISTANCE = 2.7;
/** Triangles are grown by this many pixels so neighbouring triangles overlap and no seam shows. */
const SEAM_PX = 0.6;

type Vec3 = [number, number, number];

interface Triangle {
  a: number;
  b: number;
  c: number;
}

/**
 * Delaunay triangulation (Bowyer–Watson) of 2D points; returns index triples. O(n²), fine for the ~700 points here.
 * Exactly coincident points must be removed by the caller.
 */
export function delaunay(points: ReadonlyArray<readonly [number, number]>): Triangle[] {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const [x, y] of points) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const mx = (minX + maxX) / 2;
  const my = (minY + maxY) / 2;
  // A super-triangle far outside every point; its three vertices get the indices n, n+1, n+2.
  const pts: Array<readonly [number, number]> = [
    ...points,
    [mx - 20 * span, my - span],
    [mx, my + 20 * span],
    [mx + 20 * span, my - span],
  ];
  const n = points.length;
  type Tri = Triangle & { cx: number; cy: number; r2: number };
  const circum = (a: number, b: number, c: number): Tri => {
    const [ax, ay] = pts[a]!;
    const [bx, by] = pts[b]!;
    const [cx, cy] = pts[c]!;
    const d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by));
    const a2 = ax * ax + ay * ay;
    const b2 = bx * bx + by * by;
    const c2 = cx * cx + cy * cy;
    const ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d;
    const uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d;
    return { a, b, c, cx: ux, cy: uy, r2: (ax - ux) ** 2 + (ay - uy) ** 2 };
  };
  let tris: Tri[] = [circum(n, n + 1, n + 2)];
  for (let i = 0; i < n; i++) {
    const [px, py] = pts[i]!;
    const bad: Tri[] = [];
    const keep: Tri[] = [];
    for (const t of tris) {
      if ((px - t.cx) ** 2 + (py - t.cy) ** 2 < t.r2) bad.push(t);
      else keep.push(t);
    }
    // The hole's boundary: edges of bad triangles that no other bad triangle shares.
    const edges = new Map<string, [number, number]>();
    for (const t of bad) {
      for (const [u, v] of [
        [t.a, t.b],
        [t.b, t.c],
        [t.c, t.a],
      ] as const) {
        const key = u < v ? `${u},${v}` : `${v},${u}`;
        if (edges.has(key)) edges.delete(key);
        else edges.set(key, [u, v]);
      }
    }
    for (const [u, v] of edges.values()) keep.push(circum(u, v, i));
    tris = keep;
  }
  return tris.filter((t) => t.a < n && t.b < n && t.c < n).map(({ a, b, c }) => ({ a, b, c }));
}

function rotate(v: Vec3, yaw: number, pitch: number, roll: number): Vec3 {
  // Image axes: x right, y down, z away from the camera. Roll, then pitch, then yaw.
  const [cr, sr] = [Math.cos(roll), Math.sin(roll)];
  const [cp, sp] = [Math.cos(pitch), Math.sin(pitch)];
  const [cy, sy] = [Math.cos(yaw), Math.sin(yaw)];
  let [x, y, z] = v;
  [x, y] = [x * cr + y * sr, -x * sr + y * cr];
  [y, z] = [y * cp + z * sp, -y * sp + z * cp];
  [x, z] = [x * cy - z * sy, x * sy + z * cy];
  return [x, y, z];
}

function insidePolygon(x: number, y: number, polygon: readonly Vec3[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * A few mesh points project just outside the outline (the outline is not exactly the silhouette) yet sit in
 * front of it; turning the head would swing them across the outline and fold the mesh into spikes. Push them
 * back to the depth of the nearest outline point, as the side of a head is.
 */
function flattenOutsideOutline(points: Vec3[], oval: readonly Vec3[]): void {
  for (let i = 0; i < 468; i++) {
    const p = points[i]!;
    if (insidePolygon(p[0], p[1], oval)) continue;
    let nearest = oval[0]!;
    for (const q of oval) {
      if (Math.hypot(q[0] - p[0], q[1] - p[1]) < Math.hypot(nearest[0] - p[0], nearest[1] - p[1]))
        nearest = q;
    }
    p[2] = Math.max(p[2], nearest[2]);
  }
}

/** A posable model of one face photo: built once per photo and mesh, rendered for any number of poses. */
export interface HeadModel {
  photo: RgbaImage;
  /** Rest positions in photo pixels (x, y) and depth (z, same pixels, larger = farther), face points first. */
  rest: Vec3[];
  /** Number of face (mesh) points at the start of `rest`; the rest are ring and border points. */
  facePoints: number;
  /** How much of the head's motion each non-face point follows (0 for the border). */
  follow: number[];
  /** Triangles of the face surface (drawn far to near) and of the sheet round it (drawn first). */
  faceTriangles: Triangle[];
  backgroundTriangles: Triangle[];
  /** Pivot of rotations, photo pixels. */
  pivot: Vec3;
  /** Depth of the plane that `scale` scales exactly (the mean face depth), and the camera distance, pixels. */
  faceDepth: number;
  cameraDistance: number;
  /** Centre of the face outline, photo pixels (the centre of `scale`). */
  centre: [number, number];
}

/** Builds the posable model: rescaled mesh depth, rings round the face outline, frame border, triangulation. */
export function buildHeadModel(photo: RgbaImage, mesh: readonly Landmark[]): HeadModel {
  if (mesh.length < 468)
    throw Object.assign(new Error(`face mesh has ${mesh.length} points, needs 468`), {
      code: 'MESH_INCOMPLETE' as const,
    });
  const { width: W, height: H } = photo;
  const raw = mesh.slice(0, 468).map((p): Vec3 => [p.x * W, p.y * H, p.z * W]);
  const cheekWidth = Math.hypot(raw[454]![0] - raw[234]![0], raw[454]![1] - raw[234]![1]);
  const noseZ = raw[1]![2];
  const cheekZ = (raw[234]![2] + raw[454]![2]) / 2;
  const zScale = cheekZ - noseZ > 0 ? (FACE_DEPTH * cheekWidth) / (cheekZ - noseZ) : 1;
  const rest: Vec3[] = raw.map(([x, y, z]) => [x, y, (z - noseZ) * zScale]);
  const oval = FACE_OVAL.map((i) => rest[i]!);
  flattenOutsideOutline(rest, oval);
  const centre: [number, number] = [
    oval.reduce((s, p) => s + p[0], 0) / oval.length,
    oval.reduce((s, p) => s + p[1], 0) / oval.length,
  ];
  const follow: number[] = [];
  const margin = 4;
  for (const ring of RINGS) {
    for (const p of oval) {
      const x = centre[0] + ring.radius * (p[0] - centre[0]);
      const y = centre[1] + ring.radius * (p[1] - centre[1]);
      if (x < margin || y < margin || x > W - margin || y > H - margin) continue;
      // Beyond the outline the head is seen edge-on: give the ring the outline point's depth.
      rest.push([x, y, p[2]]);
      follow.push(ring.follow);
    }
  }
  const step = 64;
  for (let x = 0; x <= W; x += W / Math.ceil(W / step)) {
    rest.push([x, 0, 0], [x, H, 0]);
    follow.push(0, 0);
  }
  for (let y = H / Math.ceil(H / step); y < H - 1; y += H / Math.ceil(H / step)) {
    rest.push([0, y, 0], [W, y, 0]);
    follow.push(0, 0);
  }
  // Two layers: the face's own surface, and a background sheet joining only the outline to the rings and the
  // border (joining inner face points to the rings would fold when the face turns and the rings lag behind).
  const faceIndices = Array.from({ length: 468 }, (_, i) => i);
  const backgroundIndices = [...FACE_OVAL, ...Array.from({ length: rest.length - 468 }, (_, i) => 468 + i)];
  const triangulate = (indices: readonly number[]): Triangle[] => {
    // Coincident points break the triangulation; nudge later duplicates by a hair (the texture is unaffected).
    const seen = new Set<string>();
    const flat = indices.map((i): [number, number] => {
      const [x, y] = rest[i]!;
      let nx = x;
      let key = `${nx.toFixed(2)},${y.toFixed(2)}`;
      while (seen.has(key)) {
        nx += 0.01;
        key = `${nx.toFixed(2)},${y.toFixed(2)}`;
      }
      seen.add(key);
      return [nx, y];
    });
    return delaunay(flat).map((t) => ({ a: indices[t.a]!, b: indices[t.b]!, c: indices[t.c]! }));
  };
  const faceTriangles = triangulate(faceIndices);
  const backgroundTriangles = triangulate(backgroundIndices);
  const pivot: Vec3 = [
    (rest[234]![0] + rest[454]![0]) / 2,
    (rest[234]![1] + rest[454]![1]) / 2,
    PIVOT_DEPTH * cheekWidth,
  ];
  const faceDepth = rest.slice(0, 468).reduce((s, p) => s + p[2], 0) / 468;
  return {
    photo,
    rest,
    facePoints: 468,
    follow,
    faceTriangles,
    backgroundTriangles,
    pivot,
    faceDepth,
    cameraDistance: CAMERA_DISTANCE * cheekWidth,
    centre,
  };
}

/** Where every model point lands for `pose`, in photo pixels, with its depth (for drawing order). */
export function posePoints(model: HeadModel, pose: HeadPoseParams): Vec3[] {
  const DEG = Math.PI / 180;
  const yaw = (pose.yaw ?? 0) * DEG;
  const pitch = (pose.pitch ?? 0) * DEG;
  const roll = (pose.roll ?? 0) * DEG;
  const scale = pose.scale ?? 1;
  const closed = Math.min(1, Math.max(0, pose.eyesClosed ?? 0));
  const { pivot, cameraDistance: D, faceDepth, centre } = model;
  const source = model.rest.map((p): Vec3 => [p[0], p[1], p[2]]);
  if (closed > 0) {
    for (const eye of EYELIDS) {
      eye.lids.forEach(([upper, lower], k) => {
        const u = source[upper]!;
        const l = source[lower]!;
        const meet = u[1] + LID_MEET * (l[1] - u[1]);
        const travel = (meet - u[1]) * closed;
        u[1] += travel;
        l[1] += (meet - l[1]) * closed;
        eye.above.forEach((row, r) => {
          const q = source[row[k]!]!;
          q[1] += travel * ABOVE_LID_FOLLOW[r]!;
        });
      });
    }
  }
  // Depth of the camera plane for `scale`: a camera that came closer by `scale` at the mean face depth.
  const dNew = (D + faceDepth) / scale - faceDepth;
  const place = ([x, y, z]: Vec3): Vec3 => {
    // Un-project at the rest depth, turn about the pivot, project from the (possibly nearer) camera.
    const k0 = (D + z) / (D + faceDepth);
    const v: Vec3 = [(x - centre[0]) * k0, (y - centre[1]) * k0, z];
    const r = rotate(
      [v[0] + centre[0] - pivot[0], v[1] + centre[1] - pivot[1], v[2] - pivot[2]],
      yaw,
      pitch,
      roll,
    );
    const X = r[0] + pivot[0] - centre[0];
    const Y = r[1] + pivot[1] - centre[1];
    const Z = r[2] + pivot[2];
    const k1 = (D + faceDepth) / (dNew + Z);
    return [centre[0] + X * k1 + (pose.shiftX ?? 0), centre[1] + Y * k1 + (pose.shiftY ?? 0), Z];
  };
  return source.map((p, i) => {
    const moved = place(p);
    if (i < model.facePoints) return moved;
    const w = model.follow[i - model.facePoints]!;
    return [p[0] + w * (moved[0] - p[0]), p[1] + w * (moved[1] - p[1]), p[2]];
  });
}

/**
 * Texture coordinates for `eyesClosed`: squeezing the eye alone would stretch the dark lash line and lid shadow
 * over the eye, which reads as an open eye; a closed lid shows skin, so the lid takes its texture from the skin
 * above it (the crease row for the lid, half-way to the next row for the crease).
 */
function textureCoords(model: HeadModel, eyesClosed: number): Vec3[] {
  const t = Math.min(1, Math.max(0, eyesClosed));
  const uv = model.rest.map((p): Vec3 => [p[0], p[1], p[2]]);
  if (t === 0) return uv;
  const lerp = (a: Vec3, b: Vec3, k: number): Vec3 => [
    a[0] + (b[0] - a[0]) * k,
    a[1] + (b[1] - a[1]) * k,
    a[2] + (b[2] - a[2]) * k,
  ];
  for (const eye of EYELIDS) {
    eye.lids.forEach(([upper], k) => {
      const crease = model.rest[eye.above[0][k]!]!;
      const above = model.rest[eye.above[1][k]!]!;
      uv[upper] = lerp(model.rest[upper]!, crease, t);
      uv[eye.above[0][k]!] = lerp(crease, lerp(crease, above, 0.5), t);
    });
  }
  return uv;
}

/** The lashes of a closed eye: a soft dark line where the lids meet, corner to corner. */
function drawLashLines(
  ctx: SKRSContext2D,
  model: HeadModel,
  dst: ReadonlyArray<readonly [number, number]>,
  eyesClosed: number,
): void {
  const t = Math.min(1, Math.max(0, eyesClosed));
  if (t < 0.5) return;
  const r = model.rest;
  const cheekWidth = Math.hypot(r[454]![0] - r[234]![0], r[454]![1] - r[234]![1]);
  ctx.save();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = Math.max(1, 0.009 * cheekWidth * (ctx.canvas.width / model.photo.width));
  ctx.strokeStyle = `rgba(50, 36, 32, ${(0.65 * (t - 0.5)) / 0.5})`;
  for (const eye of EYELIDS) {
    const path = [eye.corners[0], ...eye.lids.map(([upper]) => upper), eye.corners[1]].map((i) => dst[i]!);
    ctx.beginPath();
    ctx.moveTo(path[0]![0], path[0]![1]);
    for (const p of path.slice(1)) ctx.lineTo(p[0], p[1]);
    ctx.stroke();
  }
  ctx.restore();
}

function drawTriangle(
  ctx: SKRSContext2D,
  texture: Canvas,
  src: readonly Vec3[],
  dst: ReadonlyArray<readonly [number, number]>,
): void {
  const [s0, s1, s2] = src as [Vec3, Vec3, Vec3];
  const [d0, d1, d2] = dst as [[number, number], [number, number], [number, number]];
  // Affine map texture → output: solve [a c e; b d f] from the three point pairs.
  const ux1 = s1[0] - s0[0];
  const uy1 = s1[1] - s0[1];
  const ux2 = s2[0] - s0[0];
  const uy2 = s2[1] - s0[1];
  const det = ux1 * uy2 - ux2 * uy1;
  if (Math.abs(det) < 1e-6) return;
  const vx1 = d1[0] - d0[0];
  const vy1 = d1[1] - d0[1];
  const vx2 = d2[0] - d0[0];
  const vy2 = d2[1] - d0[1];
  const a = (vx1 * uy2 - vx2 * uy1) / det;
  const b = (vy1 * uy2 - vy2 * uy1) / det;
  const c = (vx2 * ux1 - vx1 * ux2) / det;
  const d = (vy2 * ux1 - vy1 * ux2) / det;
  const e = d0[0] - a * s0[0] - c * s0[1];
  const f = d0[1] - b * s0[0] - d * s0[1];
  const cx = (d0[0] + d1[0] + d2[0]) / 3;
  const cy = (d0[1] + d1[1] + d2[1]) / 3;
  const grow = (p: readonly [number, number]): [number, number] => {
    const len = Math.hypot(p[0] - cx, p[1] - cy) || 1;
    return [p[0] + ((p[0] - cx) / len) * SEAM_PX, p[1] + ((p[1] - cy) / len) * SEAM_PX];
  };
  ctx.save();
  ctx.beginPath();
  const g = [grow(d0), grow(d1), grow(d2)];
  ctx.moveTo(g[0]![0], g[0]![1]);
  ctx.lineTo(g[1]![0], g[1]![1]);
  ctx.lineTo(g[2]![0], g[2]![1]);
  ctx.closePath();
  ctx.clip();
  ctx.setTransform(a, b, c, d, e, f);
  ctx.drawImage(texture, 0, 0);
  ctx.restore();
}

/**
 * Renders `photo` (whose face mesh is `mesh`, normalised like MediaPipe's: x / width, y / height, z on the x
 * scale) in `pose`, at `out` size (default the photo's; the photo is stretched to it). Deterministic. Pass a
 * model from {@link buildHeadModel} instead of photo + mesh to render many poses of one photo cheaply.
 */
export function renderHeadPose(
  photo: RgbaImage | HeadModel,
  mesh: readonly Landmark[] | undefined,
  pose: HeadPoseParams,
  out: { width: number; height: number } = 'rest' in photo ? photo.photo : photo,
): RgbaImage {
  const model = 'rest' in photo ? photo : buildHeadModel(photo, mesh ?? []);
  const { width: W, height: H } = model.photo;
  const sx = out.width / W;
  const sy = out.height / H;
  const moved = posePoints(model, pose);
  const dst = moved.map(([x, y]): [number, number] => [x * sx, y * sy]);
  const uv = textureCoords(model, pose.eyesClosed ?? 0);
  const texture = rgbaToCanvas(model.photo);
  const canvas = createCanvas(out.width, out.height);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(texture, 0, 0, out.width, out.height);
  const depth = (t: Triangle) => moved[t.a]![2] + moved[t.b]![2] + moved[t.c]![2];
  // Background sheet first, then the face far to near, so a turned face's near cheek covers its far one.
  const face = [...model.faceTriangles].sort((p, q) => depth(q) - depth(p));
  for (const t of [...model.backgroundTriangles, ...face]) {
    drawTriangle(ctx, texture, [uv[t.a]!, uv[t.b]!, uv[t.c]!], [dst[t.a]!, dst[t.b]!, dst[t.c]!]);
  }
  drawLashLines(ctx, model, dst, pose.eyesClosed ?? 0);
  return canvasToRgba(canvas);
}
