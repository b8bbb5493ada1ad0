/**
 * Finds an ID card or passport page as a quadrilateral with our own edge code (no OpenCV, no model):
 * luma at ~320 px → 3×3 Gaussian → Sobel → thin edges (non-maximum suppression) → Hough lines voted along each
 * edge pixel's gradient direction → pairs of near-parallel lines forming a convex quad of the right aspect,
 * scored by how much of each side is backed by real edges → sides refit to their edge pixels.
 */
import { type LumaImage, toLuma } from './luma.js';
import { isConvex, orderQuad, quadAspect } from './quad-geometry.js';
import type { DocumentKind, FrameLike, Point, Quad } from './types.js';

export interface FindDocumentQuadOptions {
  /** Document shape to accept (default 'any'). */
  kind?: DocumentKind;
  /** Width in pixels the search runs at (default 320): enough for corners within ~1% at a fraction of the cost. */
  workingWidth?: number;
}

export interface DocumentQuadResult {
  /** Corners in frame pixels, TL, TR, BR, BL. May lie outside the frame when the card is cut off. */
  quad: Quad;
  /** 0..1: mean share of each visible side backed by edge pixels. */
  confidence: number;
  /** True when one side is the frame border (that side of the card is outside the frame). */
  borderSide: boolean;
}

/**
 * Long/short aspect accepted while searching, per kind. Loose on purpose: perspective and tilt stretch the
 * apparent aspect, and rejecting a tilted card here would report NO_DOCUMENT instead of the useful TILTED.
 */
const SEARCH_ASPECT: Record<DocumentKind, [number, number]> = {
  id1: [1.15, 2.6],
  passport: [1.05, 2.3],
  any: [1.05, 2.6],
};

/** Smallest side (share of the working width) and area (share of the frame) worth reporting. */
const MIN_SIDE_FRACTION = 0.06;
const MIN_AREA_FRACTION = 0.02;
/** Gradient magnitude (grey levels per pixel, Sobel on the blurred luma) an edge pixel needs: low, so heavily
 * blurred or low-contrast cards still show their outline; the Hough vote and side support reject the noise. */
const EDGE_THRESHOLD = 20;
const THETA_BINS = 180;
/** Lines kept from the Hough space; more costs time, fewer misses card sides on busy backgrounds. */
const MAX_LINES = 30;
/** Orientation tolerance (degrees) between a side and the edge pixels supporting it. */
const SIDE_ANGLE_TOLERANCE = 20;

/**
 * Scratch buffers reused across frames of the same size: the analysis runs on every camera frame, and fresh
 * megabytes per frame would keep the garbage collector busy. Only intermediates live here, never results.
 */
interface EdgeScratch {
  blur: Uint16Array;
  /** Gradient components of the pixels in `candidates`, in the same order. */
  gx: Int16Array;
  gy: Int16Array;
  mag2: Int32Array;
  /** Pixels whose squared magnitude reaches the edge threshold, in scan order. */
  candidates: Int32Array;
  edgeList: Int32Array;
}
/**
 * Keyed by width and height: a frame's search and its coarser retry alternate sizes and must not reallocate each
 * time. Not by pixel count: the first and last column of `mag2` are never written and must stay 0, which a
 * transposed image of the same count would break.
 */
const edgeScratches = new Map<string, EdgeScratch>();
const houghScratches = new Map<number, Uint16Array>();

function edgeScratch(width: number, height: number): EdgeScratch {
  const key = `${width}x${height}`;
  const size = width * height;
  let s = edgeScratches.get(key);
  if (!s) {
    // A handful of working sizes at most; a stream of new ones (tests) must not grow without bound.
    if (edgeScratches.size >= 4) edgeScratches.clear();
    s = {
      blur: new Uint16Array(size),
      gx: new Int16Array(size),
      gy: new Int16Array(size),
      mag2: new Int32Array(size),
      candidates: new Int32Array(size),
      edgeList: new Int32Array(size),
    };
    edgeScratches.set(key, s);
  }
  return s;
}

function houghScratch(size: number): Uint16Array {
  let acc = houghScratches.get(size);
  if (!acc) {
    if (houghScratches.size >= 4) houghScratches.clear();
    acc = new Uint16Array(size);
    houghScratches.set(size, acc);
  } else {
    acc.fill(0);
  }
  return acc;
}

/** Sort-key radix for Hough cells: votes × CELL_KEY + reversed scan position (far more cells than any frame has). */
const CELL_KEY = 2 ** 24;

// Single-precision values (what the votes were tuned with), held as doubles: no conversion per vote.
const COS = new Float64Array(THETA_BINS);
const SIN = new Float64Array(THETA_BINS);
for (let t = 0; t < THETA_BINS; t++) {
  COS[t] = Math.fround(Math.cos((t * Math.PI) / THETA_BINS));
  SIN[t] = Math.fround(Math.sin((t * Math.PI) / THETA_BINS));
}

/** Thinned edge map of a luma image. */
export interface EdgeMap {
  width: number;
  height: number;
  /** Gradient magnitude at edge pixels, 0 elsewhere. */
  magnitude: Float32Array;
  /** Gradient direction in degrees 0..179 (normal to the edge, sign-free) at edge pixels, 255 elsewhere. */
  theta: Uint8Array;
  /** Indices of edge pixels. */
  pixels: Int32Array;
}

export function detectEdges(img: LumaImage, threshold = EDGE_THRESHOLD): EdgeMap {
  const { luma, width: w, height: h } = img;
  // [1 2 1] × [1 2 1] blur in one pass, kept in 16× units to stay integer: vertical sums per column, combined
  // horizontally as they slide by. Edge rows and columns repeat their own pixel.
  // Squared magnitudes stay integer: |g| ≤ 4·16·255 per axis, so gx² + gy² < 2^31 fits an Int32Array.
  const { blur, gx: gxs, gy: gys, mag2, candidates: candidateList, edgeList } = edgeScratch(w, h);
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : y) * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    const row = y * w;
    let prev = luma[up]! + 2 * luma[row]! + luma[dn]!;
    let cur = prev;
    for (let x = 0; x < w - 1; x++) {
      const next = luma[up + x + 1]! + 2 * luma[row + x + 1]! + luma[dn + x + 1]!;
      blur[row + x] = prev + 2 * cur + next;
      prev = cur;
      cur = next;
    }
    blur[row + w - 1] = prev + 3 * cur;
  }
  // Squared gradient magnitudes in 16× units (the blur's integer scale): no division or root per pixel. The 3×3
  // window slides along the row in registers, so each pixel is loaded once per row it touches.
  const t16 = threshold * 16;
  const t2 = t16 * t16;
  let candidates = 0;
  for (let y = 1; y < h - 1; y++) {
    let i = y * w + 1;
    const end = y * w + w - 1;
    let a = blur[i - w - 1]!;
    let b = blur[i - w]!;
    let d = blur[i - 1]!;
    let e = blur[i]!;
    let g = blur[i + w - 1]!;
    let k = blur[i + w]!;
    for (; i < end; i++) {
      const c = blur[i - w + 1]!;
      const f = blur[i + 1]!;
      const m = blur[i + w + 1]!;
      const gx = c + 2 * f + m - a - 2 * d - g;
      const gy = g + 2 * k + m - a - 2 * b - c;
      const mm = gx * gx + gy * gy;
      mag2[i] = mm;
      // Candidates for the thinning below, in scan order, with the direction it needs.
      if (mm >= t2) {
        gxs[candidates] = gx;
        gys[candidates] = gy;
        candidateList[candidates++] = i;
      }
      a = b;
      b = c;
      d = e;
      e = f;
      g = k;
      k = m;
    }
  }
  const magnitude = new Float32Array(w * h);
  const theta = new Uint8Array(w * h).fill(255);
  let count = 0;
  for (let c = 0; c < candidates; c++) {
    const i = candidateList[c]!;
    const m = mag2[i]!;
    const gx = gxs[c]!;
    const gy = gys[c]!;
    // Non-maximum suppression across the edge, direction quantised to 4 neighbour pairs.
    const ax = Math.abs(gx);
    const ay = Math.abs(gy);
    let off: number;
    if (ay <= ax * 0.4142) off = 1;
    else if (ax <= ay * 0.4142) off = w;
    else off = gx * gy > 0 ? w + 1 : w - 1;
    if (m < mag2[i - off]! || m <= mag2[i + off]!) continue;
    let deg = (Math.atan2(gy, gx) * 180) / Math.PI;
    if (deg < 0) deg += 180;
    theta[i] = Math.round(deg) % 180;
    magnitude[i] = Math.sqrt(m) / 16;
    edgeList[count++] = i;
  }
  return { width: w, height: h, magnitude, theta, pixels: edgeList.slice(0, count) };
}

/** A line x·cosθ + y·sinθ = ρ in working pixels (pixel centres at i + 0.5). */
interface Line {
  theta: number;
  rho: number;
  /** Unit normal. */
  nx: number;
  ny: number;
  votes: number;
  /** The frame border standing in for a side that is outside the frame. */
  border: boolean;
  /** Index in the current search's line list. */
  id: number;
}

function makeLine(thetaDeg: number, rho: number, votes: number, border = false): Line {
  const t = (thetaDeg * Math.PI) / 180;
  return { theta: thetaDeg, rho, nx: Math.cos(t), ny: Math.sin(t), votes, border, id: -1 };
}

function houghLines(edges: EdgeMap, minVotes: number, maxLines: number): Line[] {
  const { width: w, height: h, pixels, theta } = edges;
  const diag = Math.ceil(Math.hypot(w, h));
  const rhoBins = 2 * diag + 1;
  const acc = houghScratch(THETA_BINS * rhoBins);
  // ρ range voted per θ row: the scan below then skips the empty ends of each row (about half the space).
  const rLo = new Int32Array(THETA_BINS).fill(rhoBins);
  const rHi = new Int32Array(THETA_BINS).fill(-1);
  for (let k = 0; k < pixels.length; k++) {
    const i = pixels[k]!;
    const yi = (i / w) | 0;
    const x = i - yi * w + 0.5;
    const y = yi + 0.5;
    const t0 = theta[i]!;
    // Vote only near the pixel's own gradient direction: cheap and keeps texture from flooding the space.
    for (let d = -2; d <= 2; d++) {
      let t = t0 + d;
      if (t < 0) t += THETA_BINS;
      else if (t >= THETA_BINS) t -= THETA_BINS;
      const r = Math.round(x * COS[t]! + y * SIN[t]!) + diag;
      const cell = t * rhoBins + r;
      acc[cell] = acc[cell]! + 1;
      if (r < rLo[t]!) rLo[t] = r;
      if (r > rHi[t]!) rHi[t] = r;
    }
  }
  // Score each cell with its ρ neighbours: a line whose angle falls between two θ bins spreads its votes over
  // adjacent ρ bins, and must not lose to axis-aligned text rows because of that. Computed on the fly: almost
  // every cell is below the vote floor, so neighbours are only summed for the few that are not.
  const cells: number[] = [];
  const cellScores: number[] = [];
  for (let t = 0; t < THETA_BINS; t++) {
    const row = t * rhoBins;
    const prevRow = ((t + THETA_BINS - 1) % THETA_BINS) * rhoBins;
    const nextRow = ((t + 1) % THETA_BINS) * rhoBins;
    // A cell needs a vote at ρ or ρ − 1, so nothing outside [rLo, rHi + 1] can qualify.
    const rEnd = Math.min(rhoBins - 2, rHi[t]! + 2);
    for (let r = Math.max(2, rLo[t]!); r < rEnd; r++) {
      const i = row + r;
      const a0 = acc[i]!;
      const am = acc[i - 1]!;
      if (a0 === 0 && am === 0) continue;
      const ap = acc[i + 1]!;
      const v = am + a0 + ap;
      if (v < minVotes) continue;
      if (v < acc[i - 2]! + am + a0 || v <= a0 + ap + acc[i + 2]!) continue;
      const p = prevRow + r;
      const n = nextRow + r;
      if (v < acc[p - 1]! + acc[p]! + acc[p + 1]! || v <= acc[n - 1]! + acc[n]! + acc[n + 1]!) continue;
      cells.push(i);
      cellScores.push(v);
    }
  }
  // Strongest first, ties in scan order (a stable sort by votes): one numeric key per cell, sorted natively.
  const keys = new Float64Array(cells.length);
  for (let k = 0; k < cells.length; k++) keys[k] = cellScores[k]! * CELL_KEY + (CELL_KEY - 1 - k);
  keys.sort();
  const lines: Line[] = [];
  for (let q = keys.length - 1; q >= 0; q--) {
    const key = keys[q]!;
    const k = CELL_KEY - 1 - (key % CELL_KEY);
    const c = cells[k]!;
    const t = Math.floor(c / rhoBins);
    const rho = (c % rhoBins) - diag;
    let near = false;
    for (let j = 0; j < lines.length && !near; j++) {
      const l = lines[j]!;
      let dt = Math.abs(l.theta - t);
      let dr = Math.abs(l.rho - rho);
      if (dt > 90) {
        dt = 180 - dt;
        dr = Math.abs(l.rho + rho);
      }
      near = dt <= 5 && dr <= 6;
    }
    if (near) continue;
    lines.push(makeLine(t, rho, cellScores[k]!));
    if (lines.length >= maxLines) break;
  }
  return lines;
}

function intersect(a: Line, b: Line): Point | undefined {
  const det = a.nx * b.ny - a.ny * b.nx;
  if (Math.abs(det) < 1e-6) return undefined;
  return { x: (a.rho * b.ny - a.ny * b.rho) / det, y: (a.nx * b.rho - a.rho * b.nx) / det };
}

/** Acute angle between two lines in degrees. */
function lineAngle(a: Line, b: Line): number {
  const d = Math.abs(a.theta - b.theta) % 180;
  return d > 90 ? 180 - d : d;
}

/**
 * Edge support sampled once along a whole line, so the support of any segment of it is two prefix-sum lookups:
 * the quad search tries thousands of side combinations and must not re-walk pixels for each.
 */
interface LineProfile {
  /** Foot point and unit direction: p(t) = foot + t·dir. */
  fx: number;
  fy: number;
  dx: number;
  dy: number;
  /** In-frame parameter range, sampled at integer steps from tMin. */
  tMin: number;
  tMax: number;
  /** hits[k] = supported samples among the first k. */
  hits: Uint16Array;
}

function lineProfile(edges: EdgeMap, line: Line): LineProfile {
  const { width: w, height: h, theta } = edges;
  const dx = -line.ny;
  const dy = line.nx;
  const fx = line.nx * line.rho;
  const fy = line.ny * line.rho;
  // Clip p(t) - 0.5 to [1.5, w - 2.5] × [1.5, h - 2.5] (pixel-index space, one pixel of margin for the probe).
  let tMin = Number.NEGATIVE_INFINITY;
  let tMax = Number.POSITIVE_INFINITY;
  const clip = (f: number, d: number, lo: number, hi: number) => {
    if (Math.abs(d) < 1e-9) {
      if (f < lo || f > hi) tMin = Number.POSITIVE_INFINITY;
      return;
    }
    const t0 = (lo - f) / d;
    const t1 = (hi - f) / d;
    tMin = Math.max(tMin, Math.min(t0, t1));
    tMax = Math.min(tMax, Math.max(t0, t1));
  };
  clip(fx - 0.5, dx, 1.5, w - 2.5);
  clip(fy - 0.5, dy, 1.5, h - 2.5);
  if (!(tMax > tMin)) return { fx, fy, dx, dy, tMin: 0, tMax: 0, hits: new Uint16Array(1) };
  const n = Math.floor(tMax - tMin) + 1;
  const hits = new Uint16Array(n + 1);
  let normalDeg = (Math.atan2(line.ny, line.nx) * 180) / Math.PI;
  if (normalDeg < 0) normalDeg += 180;
  normalDeg %= 180;
  for (let k = 0; k < n; k++) {
    const t = tMin + k;
    const px = fx + dx * t - 0.5;
    const py = fy + dy * t - 0.5;
    let hit = 0;
    for (let o = -1.5; o <= 1.5 && !hit; o += 1) {
      const x = Math.round(px + line.nx * o);
      const y = Math.round(py + line.ny * o);
      const th = theta[y * w + x]!;
      if (th === 255) continue;
      let d = Math.abs(th - normalDeg);
      if (d > 90) d = 180 - d;
      if (d <= SIDE_ANGLE_TOLERANCE) hit = 1;
    }
    hits[k + 1] = hits[k]! + hit;
  }
  return { fx, fy, dx, dy, tMin, tMax: tMin + n - 1, hits };
}

/**
 * Support of the segment a→b of a profiled line: the share of its in-frame samples backed by edges; -1 when less
 * than a quarter of the segment lies in the frame (too little of it visible to judge).
 */
function segmentSupport(p: LineProfile, a: Point, b: Point): number {
  const ta = (a.x - p.fx) * p.dx + (a.y - p.fy) * p.dy;
  const tb = (b.x - p.fx) * p.dx + (b.y - p.fy) * p.dy;
  const lo = Math.min(ta, tb);
  const hi = Math.max(ta, tb);
  const span = hi - lo;
  const k0 = Math.max(0, Math.ceil(lo - p.tMin));
  const k1 = Math.min(p.hits.length - 2, Math.floor(hi - p.tMin));
  if (k1 < k0 || span <= 0) return -1;
  const samples = k1 - k0 + 1;
  if (Math.min(1, samples / (span + 1)) < 0.25) return -1;
  return (p.hits[k1 + 1]! - p.hits[k0]!) / samples;
}

/** Refits a side to the edge pixels near it (weighted total least squares); undefined when too few. */
function refineLine(edges: EdgeMap, line: Line, a: Point, b: Point): Line | undefined {
  const { width: w, height: h, theta, magnitude } = edges;
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  const steps = Math.ceil(len);
  const dx = (b.x - a.x) / len;
  const dy = (b.y - a.y) / len;
  let normalDeg = (Math.atan2(dx, -dy) * 180) / Math.PI;
  if (normalDeg < 0) normalDeg += 180;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let n = 0;
  // Skip the ends: corners are rounded on real cards and would bend the fit.
  for (let s = Math.floor(steps * 0.08); s <= Math.ceil(steps * 0.92); s++) {
    const cx = a.x + dx * s - 0.5;
    const cy = a.y + dy * s - 0.5;
    for (let o = -2; o <= 2; o++) {
      const x = Math.round(cx - dy * o);
      const y = Math.round(cy + dx * o);
      if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) continue;
      const i = y * w + x;
      const t = theta[i]!;
      if (t === 255) continue;
      let d = Math.abs(t - normalDeg) % 180;
      if (d > 90) d = 180 - d;
      if (d > SIDE_ANGLE_TOLERANCE) continue;
      const wt = magnitude[i]!;
      const X = x + 0.5;
      const Y = y + 0.5;
      sw += wt;
      sx += wt * X;
      sy += wt * Y;
      sxx += wt * X * X;
      syy += wt * Y * Y;
      sxy += wt * X * Y;
      n++;
    }
  }
  if (n < 8 || sw === 0) return undefined;
  const mx = sx / sw;
  const my = sy / sw;
  const cxx = sxx / sw - mx * mx;
  const cyy = syy / sw - my * my;
  const cxy = sxy / sw - mx * my;
  // The normal is the eigenvector of the smallest eigenvalue of the covariance.
  const tr = cxx + cyy;
  const det = cxx * cyy - cxy * cxy;
  const lambda = tr / 2 - Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  let nx = cxy;
  let ny = lambda - cxx;
  if (Math.hypot(nx, ny) < 1e-9) {
    nx = lambda - cyy;
    ny = cxy;
  }
  const nl = Math.hypot(nx, ny);
  if (nl < 1e-9) return undefined;
  nx /= nl;
  ny /= nl;
  // Keep the refit only when it stays close to the Hough line (a stray cluster must not swing the side).
  if (Math.abs(nx * line.nx + ny * line.ny) < Math.cos((6 * Math.PI) / 180)) return undefined;
  const rho = nx * mx + ny * my;
  let deg = (Math.atan2(ny, nx) * 180) / Math.PI;
  if (deg < 0) deg += 360;
  return { theta: deg, rho, nx, ny, votes: line.votes, border: false, id: -1 };
}

/**
 * Mean luma difference (inside − outside, 3 px either side) across the part of side a→b between fractions
 * `from` and `to` (which may run past the corners); NaN when no sample is in the image.
 */
function sideContrast(img: LumaImage, a: Point, b: Point, inward: Point, from: number, to: number): number {
  const { luma, width: w, height: h } = img;
  let diff = 0;
  let n = 0;
  for (let k = 0; k <= 12; k++) {
    const f = from + ((to - from) * k) / 12;
    const px = a.x + (b.x - a.x) * f - 0.5;
    const py = a.y + (b.y - a.y) * f - 0.5;
    const ix = Math.round(px + inward.x * 3);
    const iy = Math.round(py + inward.y * 3);
    const ox = Math.round(px - inward.x * 3);
    const oy = Math.round(py - inward.y * 3);
    if (ix < 0 || iy < 0 || ox < 0 || oy < 0 || ix >= w || ox >= w || iy >= h || oy >= h) continue;
    diff += luma[iy * w + ix]! - luma[oy * w + ox]!;
    n++;
  }
  return n > 0 ? diff / n : Number.NaN;
}

function inwardNormal(corners: Point[], s: number): Point {
  const a = corners[s]!;
  const b = corners[(s + 1) % 4]!;
  const cx = (corners[0]!.x + corners[1]!.x + corners[2]!.x + corners[3]!.x) / 4;
  const cy = (corners[0]!.y + corners[1]!.y + corners[2]!.y + corners[3]!.y) / 4;
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  let nx = -(b.y - a.y) / len;
  let ny = (b.x - a.x) / len;
  if ((cx - (a.x + b.x) / 2) * nx + (cy - (a.y + b.y) / 2) * ny < 0) {
    nx = -nx;
    ny = -ny;
  }
  return { x: nx, y: ny };
}

/**
 * True when the light/dark step across some side carries on past a corner: then that corner is not the card's
 * but the crossing of a card edge with an inner line (photo frame, header band), and the quad is part of a card.
 * Past a true corner both probes land on the background and the step vanishes.
 */
function sidesRunPastCorners(img: LumaImage, corners: Point[]): boolean {
  for (let s = 0; s < 4; s++) {
    const a = corners[s]!;
    const b = corners[(s + 1) % 4]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    const inward = inwardNormal(corners, s);
    const along = sideContrast(img, a, b, inward, 0.1, 0.9);
    if (!(Math.abs(along) >= 12)) continue;
    const skip = 4 / len;
    const ext = Math.max(8, 0.15 * len) / len;
    for (const [from, to] of [
      [-ext, -skip],
      [1 + skip, 1 + ext],
    ] as const) {
      const past = sideContrast(img, a, b, inward, from, to);
      if (past * Math.sign(along) >= 0.5 * Math.abs(along)) return true;
    }
  }
  return false;
}

/**
 * Extra evidence before the frame border may stand in for a side: every real side shows the same light/dark
 * step (card brighter, or darker, than what is outside it), including right where it runs into the border.
 * Background texture lines do neither.
 */
function borderCandidateHolds(img: LumaImage, corners: Point[], sideLines: Line[]): boolean {
  let sign = 0;
  for (let s = 0; s < 4; s++) {
    if (sideLines[s]!.border) continue;
    const a = corners[s]!;
    const b = corners[(s + 1) % 4]!;
    const inward = inwardNormal(corners, s);
    const parts: Array<[number, number]> = [[0.1, 0.9]];
    if (sideLines[(s + 3) % 4]!.border) parts.push([0.02, 0.2]);
    if (sideLines[(s + 1) % 4]!.border) parts.push([0.8, 0.98]);
    for (const [from, to] of parts) {
      const c = sideContrast(img, a, b, inward, from, to);
      // A side hugging the frame edge (a page overflowing left and right) has no outside pixels near the corner:
      // unmeasurable there is not evidence against it, as long as the side's middle shows the step.
      if (Number.isNaN(c) && from !== 0.1) continue;
      if (!(Math.abs(c) >= 12)) return false;
      if (sign !== 0 && Math.sign(c) !== sign) return false;
      sign = Math.sign(c);
    }
  }
  return true;
}

interface Candidate {
  corners: [Point, Point, Point, Point];
  lines: [Line, Line, Line, Line];
  support: number;
  rank: number;
  border: boolean;
}

/** Finds the document in a luma image; corners in luma pixels. */
export function findDocumentQuadInLuma(
  img: LumaImage,
  opts: { kind?: DocumentKind; edges?: EdgeMap } = {},
): { corners: Quad; confidence: number; borderSide: boolean } | undefined {
  const { width: w, height: h } = img;
  const edges = opts.edges ?? detectEdges(img);
  const [minAspect, maxAspect] = SEARCH_ASPECT[opts.kind ?? 'any'];
  const minSide = MIN_SIDE_FRACTION * w;
  const lines = houghLines(edges, Math.max(12, Math.round(minSide * 0.8)), MAX_LINES);
  if (lines.length < 3) return undefined;
  const borders = [
    makeLine(0, 0.5, 0, true),
    makeLine(0, w - 0.5, 0, true),
    makeLine(90, 0.5, 0, true),
    makeLine(90, h - 0.5, 0, true),
  ];
  const all = [...lines, ...borders];
  // Every crossing once, up front: the quad loop below runs thousands of times and must not allocate.
  const n = all.length;
  const crossings: Array<Point | undefined> = new Array(n * n);
  for (let i = 0; i < n; i++) all[i]!.id = i;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let p = intersect(all[i]!, all[j]!);
      // Crossings far outside the frame cannot be corners of a card we could report.
      if (p && (p.x < -0.5 * w || p.x > 1.5 * w || p.y < -0.5 * h || p.y > 1.5 * h)) p = undefined;
      crossings[i * n + j] = p;
      crossings[j * n + i] = p;
    }
  }
  const cross = (a: Line, b: Line) => crossings[a.id * n + b.id];
  const pairs: Array<[Line, Line]> = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!;
      const b = all[j]!;
      if (lineAngle(a, b) > 30) continue;
      // Separation measured at the midpoint of the working image.
      const da = a.nx * (w / 2) + a.ny * (h / 2) - a.rho;
      const db = b.nx * (w / 2) + b.ny * (h / 2) - b.rho;
      // Normals of lines either side of θ = 0°/180° point opposite ways.
      const sep = Math.abs(a.nx * b.nx + a.ny * b.ny < 0 ? da + db : da - db);
      if (sep < minSide) continue;
      pairs.push([a, b]);
    }
  }
  const profiles: LineProfile[] = lines.map((l) => lineProfile(edges, l));
  const frameArea = w * h;
  let best: Candidate | undefined;
  let bestBorder: Candidate | undefined;
  const minArea = MIN_AREA_FRACTION * frameArea;
  // Best rank so far over both kinds of candidate: a quad whose √area cannot beat it is skipped.
  let bestRank = 0;
  for (let i = 0; i < pairs.length; i++) {
    const pairI = pairs[i]!;
    const a = pairI[0];
    const b = pairI[1];
    for (let j = i + 1; j < pairs.length; j++) {
      const pairJ = pairs[j]!;
      const c = pairJ[0];
      const d = pairJ[1];
      if (lineAngle(a, c) < 55) continue;
      const borderCount = (a.border ? 1 : 0) + (b.border ? 1 : 0) + (c.border ? 1 : 0) + (d.border ? 1 : 0);
      // Two borders only as an opposite pair: the card overflows the frame on both sides (too close).
      if (borderCount > 2 || (borderCount === 2 && !((a.border && b.border) || (c.border && d.border))))
        continue;
      const p0 = cross(a, c);
      const p1 = cross(c, b);
      const p2 = cross(b, d);
      const p3 = cross(d, a);
      if (!p0 || !p1 || !p2 || !p3) continue;
      // Cheap rejections first (shoelace area inline, same sum as polygonArea), allocation only for survivors.
      const area =
        Math.abs(
          p0.x * p1.y -
            p1.x * p0.y +
            (p1.x * p2.y - p2.x * p1.y) +
            (p2.x * p3.y - p3.x * p2.y) +
            (p3.x * p0.y - p0.x * p3.y),
        ) / 2;
      if (area < minArea) continue;
      // Rank is at most √area (support ≤ 1): skip quads that cannot beat the best so far.
      if (Math.sqrt(area) <= bestRank) continue;
      const corners: [Point, Point, Point, Point] = [p0, p1, p2, p3];
      if (!isConvex(corners)) continue;
      const sideLines: [Line, Line, Line, Line] = [c, b, d, a];
      if (borderCount === 0) {
        const aspect = quadAspect(corners);
        if (aspect < minAspect || aspect > maxAspect) continue;
      }
      // Every visible side must reach the floor (and lie mostly in frame): stop at the first that does not, which
      // on textured backgrounds is almost always the first one tried.
      const floor = borderCount === 0 ? 0.45 : borderCount === 2 ? 0.85 : 0.7;
      let sum = 0;
      let visible = 0;
      let ok = true;
      for (let s = 0; s < 4; s++) {
        const line = sideLines[s]!;
        if (line.border) continue;
        const support = segmentSupport(profiles[line.id]!, corners[s]!, corners[(s + 1) % 4]!);
        if (support < floor) {
          ok = false;
          break;
        }
        sum += support;
        visible++;
      }
      if (!ok) continue;
      const mean = sum / visible;
      if (borderCount === 0) {
        if (mean < 0.6) continue;
        const rank = mean * mean * Math.sqrt(area);
        // The pixel checks cost more than everything above: run them only for a would-be winner.
        if (best && rank <= best.rank) continue;
        if (sidesRunPastCorners(img, corners)) continue;
        best = { corners, lines: sideLines, support: mean, rank, border: false };
        bestRank = Math.max(bestRank, rank);
      } else {
        // (The floor above: the visible sides must be clearly there before the frame border may stand in.)
        const rank = 0.9 * mean * mean * Math.sqrt(area);
        if (bestBorder && rank <= bestBorder.rank) continue;
        if (!borderCandidateHolds(img, corners, sideLines)) continue;
        bestBorder = { corners, lines: sideLines, support: mean, rank, border: true };
        bestRank = Math.max(bestRank, rank);
      }
    }
  }
  const chosen = best && (!bestBorder || best.rank >= bestBorder.rank) ? best : bestBorder;
  if (!chosen) return undefined;
  const refined = chosen.lines.map((l, s) =>
    l.border ? l : (refineLine(edges, l, chosen.corners[s]!, chosen.corners[(s + 1) % 4]!) ?? l),
  );
  const out: Point[] = [];
  for (let s = 0; s < 4; s++) {
    const p = intersect(refined[(s + 3) % 4]!, refined[s]!);
    out.push(p ?? chosen.corners[s]!);
  }
  const corners = isConvex(out) ? out : chosen.corners;
  return {
    corners: orderQuad(corners),
    confidence: chosen.support * (chosen.border ? 0.8 : 1),
    borderSide: chosen.border,
  };
}

/**
 * Finds the document in a frame. Undefined when nothing document-like is there — a normal result, not an error.
 *
 * @example
 * const found = findDocumentQuad(imageData, { kind: 'id1' });
 * if (found) drawOutline(found.quad);
 */
export function findDocumentQuad(
  frame: FrameLike,
  opts: FindDocumentQuadOptions = {},
): DocumentQuadResult | undefined {
  const img = toLuma(frame, opts.workingWidth ?? 320);
  const found = findDocumentQuadInLuma(img, { kind: opts.kind });
  if (!found) return undefined;
  return {
    quad: found.corners.map((p) => ({ x: p.x * img.scale, y: p.y * img.scale })) as Quad,
    confidence: found.confidence,
    borderSide: found.borderSide,
  };
}
