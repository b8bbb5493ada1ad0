/**
 * Finds an ID card or passport page as a quadrilateral with our own edge code (no OpenCV, no model: the search must
 * run on every camera frame in a worker without a download, and on the server on stills):
 * colour image at ~320 px → 3×3 Gaussian → Sobel on luma and two opponent colour channels, combined as a colour
 * gradient (a card can differ from the surface in colour more than in brightness) → thin edges (non-maximum
 * suppression) → Hough lines voted along each edge pixel's gradient direction → pairs of near-parallel lines
 * forming a convex quad, scored by how much of each side is backed by real edges → checks that it is a document's
 * outline and not an inner edge or a line of the surface: every corner a real corner (no side's line runs on past
 * it, as the card's edge does past the corner of a header band and grout lines do past each other), the shape a
 * document's once perspective is undone → the outermost such quad, searched again outward when its shape says a
 * part of the document is missing (a white MRZ band on a white table) → sides refit to their edge pixels.
 *
 * Written by hand because no maintained library does document outlines in plain TypeScript (OpenCV.js is an
 * 8 MB wasm download); the pieces are the textbook ones (Sobel, Di Zenzo colour gradient, Hough transform,
 * Zhang's rectangle aspect).
 */
import { type ColorImage, type LumaImage, toColorImage } from './luma.js';
import {
  isConvex,
  maxCornerAngleDeviation,
  orderQuad,
  pointInQuad,
  polygonArea,
  quadAspect,
  rectifiedAspect,
} from './quad-geometry.js';
import type { DocumentKind, FrameLike, Point, Quad } from './types.js';

export interface FindDocumentQuadOptions {
  /** Document shape to look for first (default 'any'); 'id1' also rules out a passport's fold. */
  kind?: DocumentKind;
  /** Width in pixels the search runs at (default 320): enough for corners within ~1% at a fraction of the cost. */
  workingWidth?: number;
  /**
   * For stills cropped to the document (a flatbed scan cut to the card, where the boundary IS the image border):
   * when the image itself has a document's shape and no outline is found, or only one with more document round it
   * (print, not a plain bed), report the whole image (`source: 'whole-image'`, low confidence). Off by default: for
   * a live frame that means "too close".
   */
  wholeImageFallback?: boolean;
}

/** What a found outline most likely is, from its shape with perspective undone. */
export type DocumentKindGuess = 'id1' | 'passport' | 'other';

export interface DocumentQuadResult {
  /** Corners in frame pixels, TL, TR, BR, BL. May lie outside the frame when the card is cut off. */
  quad: Quad;
  /** 0..1: mean share of each visible side backed by edge pixels (0.3 for the whole-image fallback). */
  confidence: number;
  /** True when a side is the frame border (that side of the card is outside the frame, or the image is the card). */
  borderSide: boolean;
  /**
   * `outline`: four real sides; `frame-border`: the card runs out of the frame on one side (or two opposite ones);
   * `whole-image`: nothing found, the image itself taken as the document (`wholeImageFallback`).
   */
  source: 'outline' | 'frame-border' | 'whole-image';
  /** Long / short side of the outline with perspective undone (`rectifiedAspect`); of the visible part when cut off. */
  aspect: number;
  /**
   * ID-1 card (85.6 × 54 mm, 1.586: ID cards, licences, residence cards) when the aspect is 1.52–1.70; passport-page
   * shaped (1.42: TD3 data page, TD2 / ID-2 cards) when 1.33–1.47; otherwise (a visa sticker at 1.5, a cut-off
   * card, anything else) `other`.
   */
  kindGuess: DocumentKindGuess;
}

/** The format an outline's shape points to (see DocumentQuadResult.kindGuess). */
export function guessDocumentKind(aspect: number): DocumentKindGuess {
  const a = aspect >= 1 ? aspect : 1 / aspect;
  if (a >= 1.52 && a <= 1.7) return 'id1';
  if (a >= 1.33 && a <= 1.47) return 'passport';
  return 'other';
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
export const EDGE_THRESHOLD = 14;
const THETA_BINS = 180;
/** Lines kept from the Hough space; more costs time, fewer misses card sides on busy backgrounds. */
const MAX_LINES = 40;
/**
 * Mean share of its sides' length a quad without a border side must have backed by edge pixels (each side at least
 * 0.45): a light card on light paper shows its outline only in part.
 */
const MIN_MEAN_SUPPORT = 0.5;
/** Lines kept within ±10° of one orientation (see houghLines). */
const MAX_LINES_ONE_WAY = 16;
/** Orientation tolerance (degrees) between a side and the edge pixels supporting it. */
const SIDE_ANGLE_TOLERANCE = 15;

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
  /** Colour images only: the two blurred opponent channels, the tensor trace and its direction terms. */
  blurA?: Uint16Array;
  blurB?: Uint16Array;
  trace?: Float64Array;
  tensorDiff?: Float64Array;
  tensorXY?: Float64Array;
  /** Colour images: how many of `candidates` the last gradient pass filled, and which pass that was. */
  candidateCount: number;
  generation: number;
}
/** Counts gradient passes, so a colour pass's candidates are not thinned after another pass overwrote them. */
let gradientGeneration = 0;
/**
 * Keyed by width and height: a frame's search and its coarser retry alternate sizes and must not reallocate each
 * time. Not by pixel count: the first and last column of `mag2` are never written and must stay 0, which a
 * transposed image of the same count would break.
 */
const edgeScratches = new Map<string, EdgeScratch>();
const houghScratches = new Map<number, Uint16Array>();

function edgeScratch(width: number, height: number, color = false): EdgeScratch {
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
      candidateCount: 0,
      generation: 0,
    };
    edgeScratches.set(key, s);
  }
  if (color && !s.blurA) {
    s.blurA = new Uint16Array(size);
    s.blurB = new Uint16Array(size);
    // Doubles: per channel |g| ≤ 4·16·255 in 16× units, and with the colour channels weighted (CHROMA_WEIGHT) a
    // sum of squares over three channels can pass 2^31 (a saturated red next to a saturated green).
    s.trace = new Float64Array(size);
    s.tensorDiff = new Float64Array(size);
    s.tensorXY = new Float64Array(size);
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

/**
 * Thinned edges of a working image: luma gradients, or for a `ColorImage` the colour gradient (the largest
 * eigenvalue direction of the summed structure tensor of luma and both opponent channels, Di Zenzo 1986), so an
 * outline that differs in colour but not in brightness is an edge too.
 */
export function detectEdges(img: LumaImage | ColorImage, threshold = EDGE_THRESHOLD): EdgeMap {
  if ('ca' in img) return detectColorEdges(img, threshold);
  const { luma, width: w, height: h } = img;
  // Squared magnitudes stay integer: |g| ≤ 4·16·255 per axis, so gx² + gy² < 2^31 fits an Int32Array.
  const scratch = edgeScratch(w, h);
  const { blur, gx: gxs, gy: gys, mag2, candidates: candidateList, edgeList } = scratch;
  // The candidate list is shared with the colour gradient of the same size: a kept colour pass is stale now.
  scratch.generation = ++gradientGeneration;
  blur3(luma, blur, w, h);
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

/**
 * [1 2 1] × [1 2 1] blur in one pass, kept in 16× units to stay integer: vertical sums per column, combined
 * horizontally as they slide by. Edge rows and columns repeat their own pixel.
 */
function blur3(src: Uint8Array, out: Uint16Array, w: number, h: number): void {
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : y) * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    const row = y * w;
    let prev = src[up]! + 2 * src[row]! + src[dn]!;
    let cur = prev;
    for (let x = 0; x < w - 1; x++) {
      const next = src[up + x + 1]! + 2 * src[row + x + 1]! + src[dn + x + 1]!;
      out[row + x] = prev + 2 * cur + next;
      prev = cur;
      cur = next;
    }
    out[row + w - 1] = prev + 3 * cur;
  }
}

/**
 * Weight of the two opponent colour channels against luma in the colour gradient. They are stored at half scale
 * ((R − G) / 2, ((R + G) / 2 − B) / 2), so 2 puts a colour step on the same footing as a luma step of the same RGB
 * size: a card as bright as the surface but of another hue (chroma 25–55, the accuracy sets' isoluminant surfaces)
 * then clears the edge threshold. Against 1, on the three sets: 2 more clean frames of 84 accepted on the CI set,
 * the same on the bench draw and the real specimens.
 */
const CHROMA_WEIGHT = 2;

/**
 * Colour gradient of the whole image into the scratch buffers, keeping as candidates the pixels at or above
 * `candidateThreshold`; `thinColorEdges` then thins them at any threshold at or above it.
 */
function colorGradient(img: ColorImage, candidateThreshold: number): EdgeScratch {
  const { width: w, height: h } = img;
  const s = edgeScratch(w, h, true);
  const { blur, candidates: candidateList } = s;
  const blurA = s.blurA!;
  const blurB = s.blurB!;
  const trace = s.trace!;
  const diff = s.tensorDiff!;
  const cross = s.tensorXY!;
  blur3(img.luma, blur, w, h);
  blur3(img.ca, blurA, w, h);
  blur3(img.cb, blurB, w, h);
  const t16 = candidateThreshold * 16;
  const t2 = t16 * t16;
  let candidates = 0;
  for (let y = 1; y < h - 1; y++) {
    let i = y * w + 1;
    const end = y * w + w - 1;
    // Column sums slide along the row: for each channel the [1 2 1] vertical sum (for gx) and the bottom − top
    // difference (for gy) of the column to the left, here and to the right.
    let up = i - w;
    let dn = i + w;
    let lvs0 = blur[up - 1]! + 2 * blur[i - 1]! + blur[dn - 1]!;
    let lvs1 = blur[up]! + 2 * blur[i]! + blur[dn]!;
    let lvd0 = blur[dn - 1]! - blur[up - 1]!;
    let lvd1 = blur[dn]! - blur[up]!;
    let avs0 = blurA[up - 1]! + 2 * blurA[i - 1]! + blurA[dn - 1]!;
    let avs1 = blurA[up]! + 2 * blurA[i]! + blurA[dn]!;
    let avd0 = blurA[dn - 1]! - blurA[up - 1]!;
    let avd1 = blurA[dn]! - blurA[up]!;
    let bvs0 = blurB[up - 1]! + 2 * blurB[i - 1]! + blurB[dn - 1]!;
    let bvs1 = blurB[up]! + 2 * blurB[i]! + blurB[dn]!;
    let bvd0 = blurB[dn - 1]! - blurB[up - 1]!;
    let bvd1 = blurB[dn]! - blurB[up]!;
    for (; i < end; i++) {
      up = i - w + 1;
      dn = i + w + 1;
      const c = i + 1;
      const lvs2 = blur[up]! + 2 * blur[c]! + blur[dn]!;
      const lvd2 = blur[dn]! - blur[up]!;
      const avs2 = blurA[up]! + 2 * blurA[c]! + blurA[dn]!;
      const avd2 = blurA[dn]! - blurA[up]!;
      const bvs2 = blurB[up]! + 2 * blurB[c]! + blurB[dn]!;
      const bvd2 = blurB[dn]! - blurB[up]!;
      const lx = lvs2 - lvs0;
      const ly = lvd0 + 2 * lvd1 + lvd2;
      const ax = CHROMA_WEIGHT * (avs2 - avs0);
      const ay = CHROMA_WEIGHT * (avd0 + 2 * avd1 + avd2);
      const bx = CHROMA_WEIGHT * (bvs2 - bvs0);
      const by = CHROMA_WEIGHT * (bvd0 + 2 * bvd1 + bvd2);
      const jxx = lx * lx + ax * ax + bx * bx;
      const jyy = ly * ly + ay * ay + by * by;
      const tr = jxx + jyy;
      trace[i] = tr;
      if (tr >= t2) {
        diff[candidates] = jxx - jyy;
        cross[candidates] = lx * ly + ax * ay + bx * by;
        candidateList[candidates++] = i;
      }
      lvs0 = lvs1;
      lvs1 = lvs2;
      lvd0 = lvd1;
      lvd1 = lvd2;
      avs0 = avs1;
      avs1 = avs2;
      avd0 = avd1;
      avd1 = avd2;
      bvs0 = bvs1;
      bvs1 = bvs2;
      bvd0 = bvd1;
      bvd1 = bvd2;
    }
  }
  s.candidateCount = candidates;
  s.generation = ++gradientGeneration;
  return s;
}

/** Thinned edges at `threshold` from the last colour gradient computed into `s` (see colorGradient). */
function thinColorEdges(s: EdgeScratch, w: number, h: number, threshold: number): EdgeMap {
  const { candidates: candidateList, edgeList } = s;
  const trace = s.trace!;
  const diff = s.tensorDiff!;
  const cross = s.tensorXY!;
  const t16 = threshold * 16;
  const t2 = t16 * t16;
  const magnitude = new Float32Array(w * h);
  const theta = new Uint8Array(w * h).fill(255);
  let count = 0;
  for (let c = 0; c < s.candidateCount; c++) {
    const i = candidateList[c]!;
    const m = trace[i]!;
    if (m < t2) continue;
    // Suppression across the edge, its direction quantised to 4 neighbour pairs from the double-angle vector
    // (Jxx − Jyy, 2 Jxy): within 22.5° of horizontal when Jxx − Jyy ≥ |2 Jxy|, of vertical when Jyy − Jxx is.
    const dd = diff[c]!;
    const xy = cross[c]!;
    const axy = Math.abs(2 * xy);
    let off: number;
    if (dd >= axy) off = 1;
    else if (-dd >= axy) off = w;
    else off = xy > 0 ? w + 1 : w - 1;
    if (m < trace[i - off]! || m <= trace[i + off]!) continue;
    let deg = (0.5 * Math.atan2(2 * xy, dd) * 180) / Math.PI;
    if (deg < 0) deg += 180;
    theta[i] = Math.round(deg) % 180;
    magnitude[i] = Math.sqrt(m) / 16;
    edgeList[count++] = i;
  }
  return { width: w, height: h, magnitude, theta, pixels: edgeList.slice(0, count) };
}

function detectColorEdges(img: ColorImage, threshold: number): EdgeMap {
  return thinColorEdges(colorGradient(img, threshold), img.width, img.height, threshold);
}

/**
 * `detectEdges` at `threshold`, and a function for the same image's edges at a lower `faintThreshold` that reuses
 * this call's gradient (thinning only) as long as no other image of the same size was analysed in between.
 */
export function detectEdgesWithFaint(
  img: LumaImage | ColorImage,
  threshold: number,
  faintThreshold: number,
): { edges: EdgeMap; faint: () => EdgeMap } {
  if (!('ca' in img))
    return { edges: detectEdges(img, threshold), faint: () => detectEdges(img, faintThreshold) };
  const s = colorGradient(img, Math.min(threshold, faintThreshold));
  const generation = s.generation;
  const edges = thinColorEdges(s, img.width, img.height, threshold);
  const faint = () =>
    s.generation === generation
      ? thinColorEdges(s, img.width, img.height, faintThreshold)
      : detectEdges(img, faintThreshold);
  return { edges, faint };
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

/** Lines within this share of the shorter side from a frame border, and parallel to it, are that border. */
const FRAME_BORDER_BAND = 0.02;

/**
 * A line hugging the frame's edge (a dark or bright first row of a resampled camera frame, a grain line of the
 * surface at the very top). Such a line is a side of a card that fills the frame (too close), but it is no side of a
 * card running out of the frame: with the frame borders beside it, it made the frame itself a "cut-off document"
 * around a card in full view (a card on wood in the scripted camera: DOCUMENT_TOO_CLOSE on every frame).
 */
function alongFrameBorder(line: Line, w: number, h: number): boolean {
  const band = FRAME_BORDER_BAND * Math.min(w, h);
  if (Math.abs(line.ny) >= Math.cos((10 * Math.PI) / 180)) {
    const y0 = line.rho / line.ny;
    const y1 = (line.rho - line.nx * w) / line.ny;
    return (y0 <= band && y1 <= band) || (y0 >= h - band && y1 >= h - band);
  }
  if (Math.abs(line.nx) >= Math.cos((10 * Math.PI) / 180)) {
    const x0 = line.rho / line.nx;
    const x1 = (line.rho - line.ny * h) / line.nx;
    return (x0 <= band && x1 <= band) || (x0 >= w - band && x1 >= w - band);
  }
  return false;
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
    let sameWay = 0;
    for (let j = 0; j < lines.length && !near; j++) {
      const l = lines[j]!;
      let dt = Math.abs(l.theta - t);
      let dr = Math.abs(l.rho - rho);
      if (dt > 90) {
        dt = 180 - dt;
        dr = Math.abs(l.rho + rho);
      }
      near = dt <= 5 && dr <= 6;
      if (dt <= 10) sameWay++;
    }
    // Rows of print, tiles, wood grain: many strong lines one way must leave room for the card's other two sides.
    if (near || sameWay >= MAX_LINES_ONE_WAY) continue;
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

/** Colour difference inside − outside a side: luma and the two opponent channels, and how many samples. */
interface SideStep {
  dl: number;
  da: number;
  db: number;
  n: number;
  /** Samples whose inside point is in the image (the side is in view there, whether or not its outside is). */
  seen: number;
}

/**
 * Mean colour difference (inside − outside) across the part of side a→b between fractions `from` and `to` (which
 * may run past the corners), inside 3 px in and outside `out` px out; `n` is 0 when no sample is in the image.
 */
function sideStep(
  img: LumaImage | ColorImage,
  a: Point,
  b: Point,
  inward: Point,
  from: number,
  to: number,
  out = 3,
): SideStep {
  const { luma, width: w, height: h } = img;
  const ca = 'ca' in img ? img.ca : undefined;
  const cb = 'cb' in img ? img.cb : undefined;
  let dl = 0;
  let da = 0;
  let db = 0;
  let n = 0;
  let seen = 0;
  for (let k = 0; k <= 12; k++) {
    const f = from + ((to - from) * k) / 12;
    const px = a.x + (b.x - a.x) * f - 0.5;
    const py = a.y + (b.y - a.y) * f - 0.5;
    const ix = Math.round(px + inward.x * 3);
    const iy = Math.round(py + inward.y * 3);
    const ox = Math.round(px - inward.x * out);
    const oy = Math.round(py - inward.y * out);
    if (ix < 0 || iy < 0 || ix >= w || iy >= h) continue;
    seen++;
    if (ox < 0 || oy < 0 || ox >= w || oy >= h) continue;
    const i = iy * w + ix;
    const o = oy * w + ox;
    dl += luma[i]! - luma[o]!;
    if (ca && cb) {
      da += ca[i]! - ca[o]!;
      db += cb[i]! - cb[o]!;
    }
    n++;
  }
  return n > 0 ? { dl: dl / n, da: da / n, db: db / n, n, seen } : { dl: 0, da: 0, db: 0, n: 0, seen };
}

/** Mean colour (luma and the opponent channels) 3 px inside side a→b, between fractions `from` and `to`. */
function stripColor(
  img: LumaImage | ColorImage,
  a: Point,
  b: Point,
  inward: Point,
  from: number,
  to: number,
): [number, number, number] {
  const { luma, width: w, height: h } = img;
  const ca = 'ca' in img ? img.ca : undefined;
  const cb = 'cb' in img ? img.cb : undefined;
  let l = 0;
  let x = 0;
  let y = 0;
  let n = 0;
  for (let k = 0; k <= 12; k++) {
    const f = from + ((to - from) * k) / 12;
    const px = Math.round(a.x + (b.x - a.x) * f + inward.x * 3 - 0.5);
    const py = Math.round(a.y + (b.y - a.y) * f + inward.y * 3 - 0.5);
    if (px < 0 || py < 0 || px >= w || py >= h) continue;
    const i = py * w + px;
    l += luma[i]!;
    x += ca ? ca[i]! : 128;
    y += cb ? cb[i]! : 128;
    n++;
  }
  return n ? [l / n, x / n, y / n] : [0, 0, 0];
}

/** Colour distance from the rest of a side's inside that makes a quarter without a step count as covered. */
const COVER_MIN_CONTRAST = 20;

const stepSize = (s: SideStep) => Math.sqrt(s.dl * s.dl + s.da * s.da + s.db * s.db);

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
 * Extra evidence before the frame border may stand in for a side: every real side shows a colour step all along
 * (inside differs from outside), including right where it runs into the border. Background texture lines do not.
 */
function borderCandidateHolds(img: LumaImage | ColorImage, corners: Point[], sideLines: Line[]): boolean {
  return sidesAreSteps(img, corners, sideLines, 10);
}

/**
 * Whether every real side is a step all along: each quarter of it (and, next to a side on the frame border, right up
 * to that corner) differs inside from outside by at least `min` (colour distance, 0..255 scale). A document's
 * edge is a step, even a faint one; a grout line or a groove between two tiles is not (both sides alike).
 */
function sidesAreSteps(
  img: LumaImage | ColorImage,
  corners: Point[],
  sideLines: Line[],
  min: number,
  allowCovered = false,
): boolean {
  for (let s = 0; s < 4; s++) {
    if (sideLines[s]!.border) continue;
    const a = corners[s]!;
    const b = corners[(s + 1) % 4]!;
    const inward = inwardNormal(corners, s);
    const shows = (from: number, to: number, least: number) => {
      const c = sideStep(img, a, b, inward, from, to);
      // A side hugging the frame edge (a page overflowing left and right) has no outside pixels near the corner:
      // unmeasurable there is not evidence against it, as long as the rest of the side shows the step. A side
      // running out of the frame itself shows nothing there (a line of the surface crossing the frame's corner).
      if (c.n === 0) return c.seen > 0;
      if (stepSize(c) >= least) return true;
      // A printed frame line or a cast shadow just inside or outside the edge: the step shows a few pixels further out.
      const further = sideStep(img, a, b, inward, from, to, 7);
      return further.n > 0 && stepSize(further) >= least;
    };
    // Each quarter of the side must show a step — but one, for an outline that is otherwise clearly there, when
    // something lies across it there (a thumb holding the card: what is just inside the side looks unlike the rest
    // of the side's inside). A line through the card's interior fails where card meets card.
    const quarters = [
      [0.05, 0.3],
      [0.28, 0.52],
      [0.48, 0.72],
      [0.7, 0.95],
    ] as const;
    let missing = 0;
    let covered = -1;
    for (const [k, [from, to]] of quarters.entries()) {
      if (shows(from, to, min)) continue;
      missing++;
      covered = k;
    }
    if (missing === 1 && allowCovered) {
      const [from, to] = quarters[covered]!;
      const here = stripColor(img, a, b, inward, from, to);
      let far = 0;
      for (const [k, [f, t]] of quarters.entries()) {
        if (k === covered) continue;
        const there = stripColor(img, a, b, inward, f, t);
        far = Math.max(far, Math.hypot(here[0] - there[0], here[1] - there[1], here[2] - there[2]));
      }
      if (far < COVER_MIN_CONTRAST) return false;
    }
    if (missing > (allowCovered ? 1 : 0)) return false;
    // Right up to a corner on the frame border, where the card runs out of view.
    if (sideLines[(s + 3) % 4]!.border && !shows(0.01, 0.12, 0.8 * min)) return false;
    if (sideLines[(s + 1) % 4]!.border && !shows(0.88, 0.99, 0.8 * min)) return false;
  }
  return true;
}

/**
 * Support of the line of `profile` beyond `corner`, walking `dir` (unit, away from the side) from `skip` to
 * `reach` pixels: -1 when too little of that stretch is in the frame to tell.
 */
function supportBeyond(profile: LineProfile, corner: Point, dir: Point, skip: number, reach: number): number {
  return segmentSupport(
    profile,
    { x: corner.x + dir.x * skip, y: corner.y + dir.y * skip },
    { x: corner.x + dir.x * reach, y: corner.y + dir.y * reach },
  );
}

/**
 * Roughness of the colour along a strip `offset` px inside (positive) or outside (negative) side a→b: the median
 * colour distance between neighbouring samples 4 px apart.
 */
function stripRoughness(
  img: LumaImage | ColorImage,
  a: Point,
  b: Point,
  inward: Point,
  offset: number,
): number {
  const { luma, width: w, height: h } = img;
  const ca = 'ca' in img ? img.ca : undefined;
  const cb = 'cb' in img ? img.cb : undefined;
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  const steps = Math.max(6, Math.floor((0.8 * len) / 4));
  const diffs: number[] = [];
  let prev = -1;
  for (let k = 0; k <= steps; k++) {
    const f = 0.1 + (0.8 * k) / steps;
    const x = Math.round(a.x + (b.x - a.x) * f + inward.x * offset - 0.5);
    const y = Math.round(a.y + (b.y - a.y) * f + inward.y * offset - 0.5);
    if (x < 0 || y < 0 || x >= w || y >= h) {
      prev = -1;
      continue;
    }
    const i = y * w + x;
    if (prev >= 0) {
      const dl = luma[i]! - luma[prev]!;
      const da = ca && cb ? ca[i]! - ca[prev]! : 0;
      const db = ca && cb ? cb[i]! - cb[prev]! : 0;
      diffs.push(Math.sqrt(dl * dl + da * da + db * db));
    }
    prev = i;
  }
  if (diffs.length < 4) return 0;
  diffs.sort((x, y) => x - y);
  return diffs[diffs.length >> 1]!;
}

/**
 * For a quad whose outline is only partly backed by edges: whether it looks like an object on a surface rather than
 * a patch of the surface — just inside each side it is calmer than just outside, or calm outright. Along a card's
 * edge runs its margin; a patch of a busy surface is as busy inside as out.
 */
function insideIsCalm(img: LumaImage | ColorImage, corners: Point[], sideLines: Line[]): boolean {
  for (let s = 0; s < 4; s++) {
    if (sideLines[s]!.border) continue;
    const a = corners[s]!;
    const b = corners[(s + 1) % 4]!;
    const inward = inwardNormal(corners, s);
    const inside = stripRoughness(img, a, b, inward, 4);
    const outside = stripRoughness(img, a, b, inward, -4);
    if (inside > Math.max(CALM_STRIP, 0.6 * outside)) return false;
  }
  return true;
}

/** Median neighbour-to-neighbour colour change along a strip below which it counts as calm (see insideIsCalm). */
const CALM_STRIP = 8;

/**
 * Smallest colour step (0..255 scale, mean over a quarter of a side) a document's side must show all along: well
 * above what sensor noise averages to over that many samples (< 1), well below a white card on white paper (≥ 5).
 */
const MIN_SIDE_STEP = 4;

/** A side's line carries on past one of its corners when this much of the stretch beyond it is backed by edges. */
const RUNS_PAST = 0.6;

/**
 * Whether the quad's corners are a document's: -2 when some side carries on past a corner (the quad is part of
 * something larger: the card's edge past a header band's corner, grout lines past each other), -1 when none does,
 * or, with `allowFold`, the index of the one side that is a passport's fold: the two sides meeting it run on for at
 * least half their own length (the opposite page), and nothing else runs on.
 *
 * A side carries on when its line is backed by edges beyond the corner and the colour step across it there is the
 * same step as along the side (a line of print on the paper under the card can line up with its edge, but the
 * step across it is the print's, not the card's).
 */
function cornerEvidence(
  img: LumaImage | ColorImage,
  profiles: Array<LineProfile | undefined>,
  sideLines: readonly Line[],
  corners: readonly Point[],
  allowFold: boolean,
): number {
  // past[s][0]: side s runs on past its start corner, past[s][1]: past its end corner.
  let any = false;
  const past: boolean[][] = [];
  // The same by edge support alone: the opposite page beyond a fold may differ in colour from the data page.
  const backed: boolean[][] = [];
  const dirs: Point[] = [];
  const lens: number[] = [];
  for (let s = 0; s < 4; s++) {
    const line = sideLines[s]!;
    const a = corners[s]!;
    const b = corners[(s + 1) % 4]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    const dir = { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
    dirs.push(dir);
    lens.push(len);
    if (line.border) {
      past.push([false, false]);
      backed.push([false, false]);
      continue;
    }
    const profile = profiles[line.id]!;
    const skip = Math.max(3, 0.04 * len);
    const reach = Math.max(10, 0.15 * len);
    let beforeStart = supportBeyond(profile, a, { x: -dir.x, y: -dir.y }, skip, reach) >= RUNS_PAST;
    let afterEnd = supportBeyond(profile, b, dir, skip, reach) >= RUNS_PAST;
    backed.push([beforeStart, afterEnd]);
    if (beforeStart || afterEnd) {
      const inward = inwardNormal(corners as Point[], s);
      const along = sideStep(img, a, b, inward, 0.1, 0.9);
      const sameStep = (from: number, to: number) => {
        const beyond = sideStep(img, a, b, inward, from, to);
        const sa = stepSize(along);
        const sb = stepSize(beyond);
        if (beyond.n === 0 || sb < 0.4 * sa) return false;
        return (along.dl * beyond.dl + along.da * beyond.da + along.db * beyond.db) / (sa * sb) >= 0.7;
      };
      if (beforeStart) beforeStart = sameStep(-reach / len, -skip / len);
      if (afterEnd) afterEnd = sameStep(1 + skip / len, 1 + reach / len);
    }
    past.push([beforeStart, afterEnd]);
    any ||= beforeStart || afterEnd;
  }
  if (!any) return -1;
  if (!allowFold) return -2;
  for (let f = 0; f < 4; f++) {
    const prev = (f + 3) % 4;
    const next = (f + 1) % 4;
    const opposite = (f + 2) % 4;
    const onlyThese =
      backed[prev]![1] &&
      backed[next]![0] &&
      !past[prev]![0] &&
      !past[next]![1] &&
      !past[f]![0] &&
      !past[f]![1] &&
      !past[opposite]![0] &&
      !past[opposite]![1];
    if (!onlyThese) continue;
    // The opposite page: both neighbours carry on for half their length at least (or out of the frame).
    const longPast = (s: number, corner: Point, dir: Point) => {
      const line = sideLines[s]!;
      if (line.border) return false;
      const support = supportBeyond(
        profiles[line.id]!,
        corner,
        dir,
        Math.max(3, 0.04 * lens[s]!),
        0.5 * lens[s]!,
      );
      return support >= 0.5;
    };
    if (
      longPast(prev, corners[f]!, dirs[prev]!) &&
      longPast(next, corners[next]!, { x: -dirs[next]!.x, y: -dirs[next]!.y })
    )
      return f;
  }
  return -2;
}

/** Long / short sides of the document formats: ID-1 (85.60 × 53.98 mm), visa MRV-A (120 × 80), TD3 / TD2 page. */
const FORMAT_ASPECTS = [85.6 / 53.98, 120 / 80, 125 / 88] as const;
/** Largest relative miss of a format aspect for a quad to count as a document's shape. */
const FORMAT_TOLERANCE = 0.12;
/** Focal length of a typical phone or webcam (~65° across), in units of the frame's long side. */
export const FOCAL_PER_LONG_SIDE = 0.8;

/** Relative distance (log ratio) of a quad's true long/short aspect to the nearest document format. */
function formatMiss(corners: readonly Point[], w: number, h: number): number {
  const r = rectifiedAspect(corners as Quad, w, h, FOCAL_PER_LONG_SIDE * Math.max(w, h));
  const aspect = r >= 1 ? r : 1 / r;
  let miss = Number.POSITIVE_INFINITY;
  for (const f of FORMAT_ASPECTS) miss = Math.min(miss, Math.abs(Math.log(aspect / f)));
  return miss;
}

/** Rank weight of a shape: 1 on a format, falling to 0.5 at the tolerance and 0.25 beyond it. */
function shapeWeight(miss: number): number {
  const tol = Math.log(1 + FORMAT_TOLERANCE);
  if (miss <= tol / 2) return 1;
  if (miss <= tol) return 1 - (miss - tol / 2) / tol;
  return 0.25;
}

/** Whether segment a→b is a valley: along most of it, darker by 5 or more than 4 px to either side. */
function isGutter(img: LumaImage, a: Point, b: Point): boolean {
  const { luma, width: w, height: h } = img;
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  const nx = -(b.y - a.y) / len;
  const ny = (b.x - a.x) / len;
  const at = (x: number, y: number) => {
    const ix = Math.round(x - 0.5);
    const iy = Math.round(y - 0.5);
    return ix < 0 || iy < 0 || ix >= w || iy >= h ? -1 : luma[iy * w + ix]!;
  };
  const dips: number[] = [];
  for (let k = 0; k < 24; k++) {
    const f = 0.1 + (0.8 * k) / 23;
    const x = a.x + (b.x - a.x) * f;
    const y = a.y + (b.y - a.y) * f;
    const c = at(x, y);
    const l = at(x - nx * 4, y - ny * 4);
    const r = at(x + nx * 4, y + ny * 4);
    if (c < 0 || l < 0 || r < 0) continue;
    dips.push(Math.min(l, r) - c);
  }
  if (dips.length < 12) return false;
  dips.sort((x, y) => x - y);
  return dips[dips.length >> 1]! >= 5;
}

/** Whether side `fold` of the quad can be a passport's fold: the quad has a data page's shape, the fold on a long side. */
function isPassportFold(corners: readonly Point[], fold: number, w: number, h: number): boolean {
  const r = rectifiedAspect(corners as Quad, w, h, FOCAL_PER_LONG_SIDE * Math.max(w, h));
  const aspect = r >= 1 ? r : 1 / r;
  if (Math.abs(Math.log(aspect / (125 / 88))) > Math.log(1 + FORMAT_TOLERANCE)) return false;
  const len = (s: number) => {
    const a = corners[s % 4]!;
    const b = corners[(s + 1) % 4]!;
    return Math.hypot(b.x - a.x, b.y - a.y);
  };
  return len(fold) + len(fold + 2) > len(fold + 1) + len(fold + 3);
}

interface Candidate {
  corners: [Point, Point, Point, Point];
  lines: [Line, Line, Line, Line];
  support: number;
  rank: number;
  border: boolean;
  /** Index of the side that is a passport's fold, or -1. */
  fold: number;
  area: number;
  miss: number;
}

/**
 * Whether the edges inside `inner` are less than half as dense as those in the rest of `outer` around it: a blank
 * visa page against the data page's print, portrait and MRZ.
 */
function barerThanRest(edges: EdgeMap, inner: Quad, outer: readonly Point[]): boolean {
  const { width: w, pixels } = edges;
  const outerQuad = outer as unknown as Quad;
  let inside = 0;
  let rest = 0;
  for (let k = 0; k < pixels.length; k++) {
    const i = pixels[k]!;
    const p = { x: (i % w) + 0.5, y: Math.floor(i / w) + 0.5 };
    if (pointInQuad(p, inner)) inside++;
    else if (pointInQuad(p, outerQuad)) rest++;
  }
  const innerArea = Math.abs(polygonArea(inner));
  const restArea = Math.abs(polygonArea(outer)) - innerArea;
  if (restArea < 0.1 * innerArea) return false;
  return inside / innerArea < 0.5 * (rest / restArea);
}

/** True when every corner of `inner` lies inside `outer` (or within `tol` pixels of it). */
function containsQuad(outer: readonly Point[], inner: readonly Point[], tol: number): boolean {
  for (const p of inner) {
    for (let s = 0; s < 4; s++) {
      const a = outer[s]!;
      const b = outer[(s + 1) % 4]!;
      const len = Math.hypot(b.x - a.x, b.y - a.y);
      const cross = ((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)) / len;
      // Outer corners run clockwise on screen (positive area, y down): inside is cross > 0.
      if (cross * Math.sign(polygonArea(outer)) < -tol) return false;
    }
  }
  return true;
}

/**
 * Median over the middle of segment a→b, shifted by `offset` along `normal`, of the colour change across it
 * (one pixel either side): how strongly an edge runs there, however faint, as long as it runs along the whole side.
 */
function edgeStrengthAlong(
  img: LumaImage | ColorImage,
  a: Point,
  b: Point,
  normal: Point,
  offset: number,
): number {
  const { luma, width: w, height: h } = img;
  const ca = 'ca' in img ? img.ca : undefined;
  const cb = 'cb' in img ? img.cb : undefined;
  const samples: number[] = [];
  for (let k = 0; k < 24; k++) {
    const f = 0.12 + (0.76 * k) / 23;
    const px = a.x + (b.x - a.x) * f + normal.x * offset - 0.5;
    const py = a.y + (b.y - a.y) * f + normal.y * offset - 0.5;
    const ix = Math.round(px + normal.x * 1.5);
    const iy = Math.round(py + normal.y * 1.5);
    const ox = Math.round(px - normal.x * 1.5);
    const oy = Math.round(py - normal.y * 1.5);
    if (ix < 0 || iy < 0 || ox < 0 || oy < 0 || ix >= w || ox >= w || iy >= h || oy >= h) continue;
    const i = iy * w + ix;
    const o = oy * w + ox;
    const dl = luma[i]! - luma[o]!;
    const da = ca && cb ? ca[i]! - ca[o]! : 0;
    const db = ca && cb ? cb[i]! - cb[o]! : 0;
    samples.push(Math.sqrt(dl * dl + da * da + db * db));
  }
  if (samples.length < 12) return 0;
  samples.sort((x, y) => x - y);
  return samples[samples.length >> 1]!;
}

/**
 * The quad grown on one side to a document's shape, when its shape says part of the document is missing (a white
 * MRZ band on a white table leaves only the coloured part): each side in turn is moved outward over the distances
 * that give a format's aspect, and the move is taken where a faint edge runs along the whole new side, clearly
 * above what the same side crosses elsewhere. Undefined when no such edge is found.
 */
function growToFormat(
  img: LumaImage | ColorImage,
  corners: readonly Point[],
  lines: readonly Line[],
): Point[] | undefined {
  const { width: w, height: h } = img;
  let best: { corners: Point[]; strength: number } | undefined;
  for (let s = 0; s < 4; s++) {
    if (lines[s]!.border) continue;
    const a = corners[s]!;
    const b = corners[(s + 1) % 4]!;
    const out = inwardNormal(corners as Point[], s);
    out.x = -out.x;
    out.y = -out.y;
    const prevLine = lines[(s + 3) % 4]!;
    const nextLine = lines[(s + 1) % 4]!;
    const across = Math.hypot(corners[(s + 2) % 4]!.x - b.x, corners[(s + 2) % 4]!.y - b.y);
    const strengths: number[] = [];
    const fits: Array<{ d: number; corners: Point[] }> = [];
    for (let d = 2; d <= across; d += 1) {
      // The side's line moved out by d, cut by its neighbours.
      const moved = makeLine(0, 0, 0);
      moved.nx = lines[s]!.nx;
      moved.ny = lines[s]!.ny;
      const sign = moved.nx * out.x + moved.ny * out.y >= 0 ? 1 : -1;
      moved.rho = lines[s]!.rho + sign * d;
      const p0 = intersect(prevLine, moved);
      const p1 = intersect(moved, nextLine);
      if (!p0 || !p1) break;
      if (p0.x < 0 || p0.y < 0 || p0.x > w || p0.y > h || p1.x < 0 || p1.y < 0 || p1.x > w || p1.y > h) break;
      strengths.push(edgeStrengthAlong(img, a, b, out, d));
      const grown = corners.slice() as Point[];
      grown[s] = p0;
      grown[(s + 1) % 4] = p1;
      if (formatMiss(grown, w, h) <= Math.log(1.06)) fits.push({ d, corners: grown });
    }
    if (fits.length === 0 || strengths.length < 6) continue;
    const sorted = strengths.slice().sort((x, y) => x - y);
    const noise = sorted[sorted.length >> 1]!;
    for (const fit of fits) {
      const strength = strengths[fit.d - 2]!;
      if (strength >= Math.max(3, 2.5 * noise) && (!best || strength > best.strength)) {
        best = { corners: fit.corners, strength };
      }
    }
  }
  return best?.corners;
}

/**
 * A full open passport (data page and opposite page, long/short ≈ 1.41 like a page) split at its fold: a straight
 * line found by the Hough search, backed by edges right across the quad, parallel to its short sides and halfway
 * along its long ones, and darker than both its sides (the gutter's shadow; a change of colour on one page is a
 * step, not a valley). Returns the data page — the half with the denser edges near its outer end, where the MRZ
 * is — or undefined when there is no fold.
 */
function dataPageOfBooklet(
  img: LumaImage,
  edges: EdgeMap,
  lines: readonly Line[],
  profiles: ReadonlyArray<LineProfile | undefined>,
  corners: readonly Point[],
): Point[] | undefined {
  const lens = [0, 1, 2, 3].map((s) => {
    const a = corners[s]!;
    const b = corners[(s + 1) % 4]!;
    return Math.hypot(b.x - a.x, b.y - a.y);
  });
  // The short sides are s0 and s0 + 2; the fold joins the two long sides.
  const s0 = lens[0]! + lens[2]! < lens[1]! + lens[3]! ? 0 : 1;
  // Long side A runs from the end of short side s0 to the start of the other; long side B from there back.
  const A0 = corners[(s0 + 1) % 4]!;
  const A1 = corners[(s0 + 2) % 4]!;
  const B0 = corners[(s0 + 3) % 4]!;
  const B1 = corners[s0]!;
  const at = (p: Point, q: Point, t: number) => ({ x: p.x + (q.x - p.x) * t, y: p.y + (q.y - p.y) * t });
  const param = (p: Point, q: Point, x: Point) => {
    const dx = q.x - p.x;
    const dy = q.y - p.y;
    return ((x.x - p.x) * dx + (x.y - p.y) * dy) / (dx * dx + dy * dy);
  };
  const sideA = makeLine(0, 0, 0);
  const sideB = makeLine(0, 0, 0);
  const through = (line: Line, p: Point, q: Point) => {
    const len = Math.hypot(q.x - p.x, q.y - p.y);
    line.nx = -(q.y - p.y) / len;
    line.ny = (q.x - p.x) / len;
    line.rho = line.nx * p.x + line.ny * p.y;
  };
  through(sideA, A0, A1);
  through(sideB, B1, B0);
  let fold: { a: Point; b: Point; support: number } | undefined;
  for (const line of lines) {
    if (line.border) continue;
    const a = intersect(line, sideA);
    const b = intersect(line, sideB);
    if (!a || !b) continue;
    const ta = param(A0, A1, a);
    const tb = param(B1, B0, b);
    if (ta < 0.4 || ta > 0.6 || tb < 0.4 || tb > 0.6 || Math.abs(ta - tb) > 0.06) continue;
    const support = segmentSupport(profiles[line.id]!, a, b);
    if (support >= 0.8 && (!fold || support > fold.support) && isGutter(img, a, b)) fold = { a, b, support };
  }
  if (!fold) return undefined;
  const foldA = fold.a;
  const foldB = fold.b;
  // The half next to short side s0: B1, A0, foldA, foldB; the other: foldB, foldA, A1, B0.
  const first = [B1, A0, foldA, foldB];
  const second = [foldB, foldA, A1, B0];
  // Edge density in the outer fifth of each half (next to its short side): the MRZ lives there on a data page.
  const density = (outerA: Point, outerB: Point, innerA: Point, innerB: Point) => {
    let hits = 0;
    let n = 0;
    for (let u = 0.05; u < 1; u += 0.05) {
      for (let v = 0.02; v < 0.2; v += 0.02) {
        const p = at(at(outerA, outerB, u), at(innerA, innerB, u), v);
        const x = Math.round(p.x - 0.5);
        const y = Math.round(p.y - 0.5);
        if (x < 0 || y < 0 || x >= edges.width || y >= edges.height) continue;
        n++;
        if (edges.theta[y * edges.width + x] !== 255) hits++;
      }
    }
    return n ? hits / n : 0;
  };
  const firstDensity = density(B1, A0, foldB, foldA);
  const secondDensity = density(B0, A1, foldB, foldA);
  return firstDensity >= secondDensity ? first : second;
}

/**
 * A passport data page inside a quad cut off by the frame border: the user shows the data page and the opposite page
 * runs out of the frame. The page's fold is where the quad, measured from its side opposite the border, has a data
 * page's shape (125 × 88 mm, the fold on a long side); it is taken when an edge runs along the whole fold there,
 * clearly above what the quad's other crossings show. A data page itself cut off by the frame cannot have that
 * line in view (its top is outside), so it stays cut off. Undefined when there is no such fold.
 */
function dataPageInCutOffBooklet(
  img: LumaImage | ColorImage,
  edges: EdgeMap,
  corners: readonly Point[],
  lines: readonly Line[],
): Point[] | undefined {
  const { width: w, height: h } = img;
  const b = lines.findIndex((l) => l.border);
  if (b < 0 || lines.filter((l) => l.border).length !== 1) return undefined;
  const c = (k: number) => corners[(b + k) % 4]!;
  const at = (p: Point, q: Point, t: number) => ({ x: p.x + (q.x - p.x) * t, y: p.y + (q.y - p.y) * t });
  const page = (t: number) => [c(2), c(3), at(c(3), c(4), t), at(c(2), c(1), t)];
  const strengths: Array<{ t: number; strength: number; fits: boolean }> = [];
  for (let t = 0.15; t <= 1.0001; t += 0.01) {
    const q = page(t);
    const p2 = q[2]!;
    const p1 = q[3]!;
    const len = Math.hypot(p1.x - p2.x, p1.y - p2.y);
    const normal = { x: -(p1.y - p2.y) / len, y: (p1.x - p2.x) / len };
    const r = rectifiedAspect(q as Quad, w, h, FOCAL_PER_LONG_SIDE * Math.max(w, h));
    const aspect = r >= 1 ? r : 1 / r;
    const foldIsLong = len > Math.hypot(q[1]!.x - q[2]!.x, q[1]!.y - q[2]!.y);
    const fits = foldIsLong && Math.abs(Math.log(aspect / (125 / 88))) <= Math.log(1.1);
    strengths.push({ t, strength: edgeStrengthAlong(img, p2, p1, normal, 0), fits });
  }
  const sorted = strengths.map((x) => x.strength).sort((x, y) => x - y);
  const noise = sorted[sorted.length >> 1]!;
  let best: { t: number; strength: number } | undefined;
  for (const x of strengths) if (x.fits && (!best || x.strength > best.strength)) best = x;
  if (!best || best.strength < Math.max(5, 2.5 * noise)) return undefined;
  // The page in view is the data page only if it is not much barer than the one running out (see barerThanRest).
  const found = page(best.t);
  return barerThanRest(edges, found as Quad, corners) ? undefined : found;
}

/** Rank factor of a quad with one side put in (completedQuads) against one with four found sides. */
/**
 * How much squarer (largest corner-angle deviation, degrees) the quad with a frame-border side must be than the
 * winner it holds for that winner to count as an askew inner line rather than the card: on the bench draw the
 * cut-off passports whose inner photo edge closed the quad deviate 13–16° and their border quads 1–3°; a card in
 * full view beside a surface line deviates alike from both (a border side does not straighten a real perspective).
 */
const KEYSTONE_STRAIGHTENED_DEG = 8;

const COMPLETED_RANK = 0.85;
/** Support each of the three found sides of a completed quad needs: the line search found them, so they are clear. */
const COMPLETED_MIN_SUPPORT = 0.6;

/**
 * Distance from `start` along `profile`'s line (direction `sign`) to where its edge support stops: the first place
 * past `minLen` after which less than a third of the next `window` samples are edges, its run up to there backed
 * at least COMPLETED_MIN_SUPPORT. Undefined when the run does not stop before `maxLen` or the frame's edge.
 */
function runEnd(
  profile: LineProfile,
  start: Point,
  sign: number,
  minLen: number,
  maxLen: number,
  window: number,
): number | undefined {
  const { hits, tMin } = profile;
  const last = hits.length - 2;
  const k0 = Math.round((start.x - profile.fx) * profile.dx + (start.y - profile.fy) * profile.dy - tMin);
  const count = (from: number, to: number) => {
    const lo = Math.max(0, Math.min(from, to));
    const hi = Math.min(last, Math.max(from, to));
    return hi < lo ? 0 : hits[hi + 1]! - hits[lo]!;
  };
  for (let x = Math.ceil(minLen); x <= maxLen; x++) {
    const k = k0 + sign * x;
    const far = k + sign * window;
    if (far < 0 || far > last || k0 < 0 || k0 > last) return undefined;
    if (count(k + sign, far) >= window / 3) continue;
    return count(k0, k) >= COMPLETED_MIN_SUPPORT * (x + 1) ? x : undefined;
  }
  return undefined;
}

/**
 * Quads whose fourth side the line search did not find (a light card's edge on a light surface, a short side
 * drowned in the surface's texture, a thumb over it): two parallel lines and one crossing both, where the two lines
 * stop together on one side of it, at a distance that gives a document's shape. The fourth side joins the two ends;
 * the quad then passes the same checks as a found one (a colour step all along each side, real corners, a calm
 * inside) and ranks below a found quad of the same size.
 */
function completedQuads(
  img: LumaImage | ColorImage,
  edges: EdgeMap,
  pairs: ReadonlyArray<[Line, Line]>,
  lines: readonly Line[],
  profiles: ReadonlyArray<LineProfile | undefined>,
  cross: (a: Line, b: Line) => Point | undefined,
  allowFold: boolean,
  rankToBeat: number,
): Candidate[] {
  const { width: w, height: h } = img;
  const out: Candidate[] = [];
  const inFrame = (p: Point) => p.x >= 0 && p.y >= 0 && p.x <= w && p.y <= h;
  for (const [a, b] of pairs) {
    if (a.border || b.border) continue;
    for (const c of lines) {
      if (c === a || c === b || lineAngle(a, c) < 55 || lineAngle(b, c) < 55) continue;
      const p0 = cross(a, c);
      const p1 = cross(b, c);
      if (!p0 || !p1 || !inFrame(p0) || !inFrame(p1)) continue;
      const across = Math.hypot(p1.x - p0.x, p1.y - p0.y);
      // The largest quad these three lines can make (c a short side of the longest format) must beat the best.
      if (COMPLETED_RANK * across * Math.sqrt(1.75) <= rankToBeat) continue;
      if (segmentSupport(profiles[c.id]!, p0, p1) < COMPLETED_MIN_SUPPORT) continue;
      const skip = Math.max(3, 0.04 * across);
      const reach = Math.max(10, 0.15 * across);
      const window = Math.max(5, Math.round(0.08 * across));
      for (const sign of [1, -1]) {
        // Along a (and b: same direction for parallel lines), away from c.
        const pa = profiles[a.id]!;
        const pb = profiles[b.id]!;
        const u = { x: pa.dx * sign, y: pa.dy * sign };
        const bSign = pb.dx * u.x + pb.dy * u.y >= 0 ? 1 : -1;
        // c is a side only if a and b stop at it: neither runs on past it on the other side.
        const back = { x: -u.x, y: -u.y };
        if (supportBeyond(pa, p0, back, skip, reach) >= RUNS_PAST) continue;
        if (supportBeyond(pb, p1, back, skip, reach) >= RUNS_PAST) continue;
        const minLen = (0.85 * across) / 1.75;
        const maxLen = 1.9 * across;
        const endA = runEnd(pa, p0, sign, minLen, maxLen, window);
        if (endA === undefined) continue;
        const endB = runEnd(pb, p1, bSign, minLen, maxLen, window);
        // Both stop at about the same place (a fourth side at most ~20° off c's direction).
        if (endB === undefined || Math.abs(endA - endB) > 0.35 * across) continue;
        const q0 = { x: p0.x + u.x * endA, y: p0.y + u.y * endA };
        const q1 = { x: p1.x + pb.dx * bSign * endB, y: p1.y + pb.dy * bSign * endB };
        const corners: [Point, Point, Point, Point] = [p0, p1, q1, q0];
        const miss = formatMiss(corners, w, h);
        if (miss > Math.log(1 + FORMAT_TOLERANCE) || !isConvex(corners)) continue;
        const area = Math.abs(polygonArea(corners));
        if (area < MIN_AREA_FRACTION * w * h) continue;
        const d = makeLine(0, 0, 0);
        d.nx = -(q1.y - q0.y) / Math.hypot(q1.x - q0.x, q1.y - q0.y);
        d.ny = (q1.x - q0.x) / Math.hypot(q1.x - q0.x, q1.y - q0.y);
        d.rho = d.nx * q0.x + d.ny * q0.y;
        d.theta = (Math.atan2(d.ny, d.nx) * 180) / Math.PI;
        d.id = profiles.length;
        const sideLines: [Line, Line, Line, Line] = [c, b, d, a];
        const extended = [...profiles, lineProfile(edges, d)];
        let fold = cornerEvidence(img, extended, sideLines, corners, allowFold);
        if (fold >= 0 && !isPassportFold(corners, fold, w, h)) fold = -2;
        if (fold !== -1) continue;
        if (!sidesAreSteps(img, corners, sideLines, MIN_SIDE_STEP)) continue;
        const support =
          (segmentSupport(pa, p0, q0) +
            segmentSupport(pb, p1, q1) +
            segmentSupport(profiles[c.id]!, p0, p1)) /
          3;
        if (support < 0.7 && !insideIsCalm(img, corners, sideLines)) continue;
        out.push({
          corners,
          lines: sideLines,
          support,
          rank: COMPLETED_RANK * support * support * Math.sqrt(area) * shapeWeight(miss),
          border: false,
          fold: -1,
          area,
          miss,
        });
      }
    }
  }
  return out;
}

/** Finds the document in a working image; corners in its pixels. */
export function findDocumentQuadInLuma(
  img: LumaImage | ColorImage,
  opts: { kind?: DocumentKind; edges?: EdgeMap } = {},
): { corners: Quad; confidence: number; borderSide: boolean } | undefined {
  const { width: w, height: h } = img;
  const edges = opts.edges ?? detectEdges(img);
  const kind = opts.kind ?? 'any';
  const [minAspect, maxAspect] = SEARCH_ASPECT[kind];
  const allowFold = kind !== 'id1';
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
  const profiles: Array<LineProfile | undefined> = all.map((l) =>
    l.border ? undefined : lineProfile(edges, l),
  );
  const frameArea = w * h;
  let best: Candidate | undefined;
  let bestBorder: Candidate | undefined;
  /** Quads that passed every check: one around the winner may replace it when the winner has no document's shape. */
  const valid: Candidate[] = [];
  const minArea = MIN_AREA_FRACTION * frameArea;
  // Best rank so far of each kind of candidate: a quad whose √area cannot beat its kind's best is skipped. Not over
  // both: a small card must still be found beside a paper running out of the frame (see the choice below).
  let bestRank = 0;
  let bestBorderRank = 0;
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
      if (Math.sqrt(area) <= (borderCount === 0 ? bestRank : bestBorderRank)) continue;
      const corners: [Point, Point, Point, Point] = [p0, p1, p2, p3];
      if (!isConvex(corners)) continue;
      const sideLines: [Line, Line, Line, Line] = [c, b, d, a];
      // Every visible side must reach the floor (and lie mostly in frame): stop at the first that does not, which
      // on textured backgrounds is almost always the first one tried (so this comes before the shape check). A third
      // for a full outline: a thumb over a short side hides up to two thirds of it (the mean support, the steps all
      // along and the corners still have to hold); from 0.45, 0.33 let 2 more of 105 clean frames of the bench draw
      // through and caught 2 more TILTED and BLURRY of 84 real-specimen frames, 0.25 changed nothing more.
      const floor = borderCount === 0 ? 0.33 : borderCount === 2 ? 0.85 : 0.7;
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
      if (borderCount === 0) {
        const aspect = quadAspect(corners);
        if (aspect < minAspect || aspect > maxAspect) continue;
      }
      const mean = sum / visible;
      if (borderCount === 0) {
        if (mean < MIN_MEAN_SUPPORT) continue;
        const miss = formatMiss(corners, w, h);
        const rank = mean * mean * Math.sqrt(area) * shapeWeight(miss);
        // The pixel checks cost more than everything above: run them only for a would-be winner, or for a quad
        // clearly larger than the winner that may turn out to be the document around it (see below).
        if (best && rank <= best.rank && area < 1.08 * best.area) continue;
        let fold = cornerEvidence(img, profiles, sideLines, corners, allowFold);
        // Only a passport page has a fold, along one of its long sides.
        if (fold >= 0 && !isPassportFold(corners, fold, w, h)) fold = -2;
        if (fold === -2) continue;
        if (!sidesAreSteps(img, corners, sideLines, MIN_SIDE_STEP, mean >= 0.65)) continue;
        if (mean < 0.6 && !insideIsCalm(img, corners, sideLines)) continue;
        const candidate: Candidate = {
          corners,
          lines: sideLines,
          support: mean,
          rank,
          border: false,
          fold,
          area,
          miss,
        };
        valid.push(candidate);
        if (!best || rank > best.rank) {
          best = candidate;
          bestRank = Math.max(bestRank, rank);
        }
      } else {
        // (The floor above: the visible sides must be clearly there before the frame border may stand in.)
        const rank = 0.9 * mean * mean * Math.sqrt(area);
        if (bestBorder && rank <= bestBorder.rank) continue;
        if (sideLines.some((l) => !l.border && alongFrameBorder(l, w, h))) continue;
        if (!borderCandidateHolds(img, corners, sideLines)) continue;
        if (cornerEvidence(img, profiles, sideLines, corners, false) === -2) continue;
        bestBorder = {
          corners,
          lines: sideLines,
          support: mean,
          rank,
          border: true,
          fold: -1,
          area,
          miss: 0,
        };
        bestBorderRank = Math.max(bestBorderRank, rank);
      }
    }
  }
  // Quads with a side the line search missed, unless a quad already found holds them (a panel or the barcode of a
  // card found whole, a part of a card running out of the frame): the outermost outline is the document's.
  for (const c of completedQuads(img, edges, pairs, lines, profiles, cross, allowFold, best?.rank ?? 0)) {
    const inside = (q: Candidate | undefined) => q !== undefined && containsQuad(q.corners, c.corners, 2);
    if (inside(bestBorder) || valid.some(inside)) continue;
    valid.push(c);
    if (!best || c.rank > best.rank) best = c;
  }
  let chosen: Candidate | undefined;
  if (best) {
    chosen = best;
    // A shape no document has means part of the document is missing: the document-shaped quad around it, if any.
    const tol = Math.log(1 + FORMAT_TOLERANCE);
    if (best.miss > tol) {
      for (const c of valid) {
        if (c === best || c.miss > tol || c.support < 0.55 || !containsQuad(c.corners, best.corners, 1.5))
          continue;
        if (chosen === best || c.rank > chosen.rank) chosen = c;
      }
    }
    // The frame border standing in for a side wins when it makes a stronger quad, unless that quad is the winner
    // with one real side swapped for the border: the winner's corners are real (no side runs on past them), so
    // that side of the document is in view. Hence also a fold quad (a data page) inside a cut-off booklet.
    // The same when the border quad only adds a sliver round the winner (a card nearly filling the frame, and
    // a line of the surface beside it); a much smaller quad inside one (a photo on a cut-off card) does not count.
    // Nor when it lies beside the winner rather than round it, and the winner has a document's shape: two objects,
    // the one in full view with a document's outline is the document (a card next to a sheet of paper running out
    // of the frame); a cut-off card holds everything found on it.
    if (bestBorder && bestBorder.rank > chosen.rank) {
      const real = bestBorder.lines.filter((l) => !l.border);
      const shared = real.filter((l) => chosen!.lines.includes(l)).length;
      const around = containsQuad(bestBorder.corners, chosen.corners, 2);
      // Not a sliver when the winner is a keystone the border quad straightens: its fourth side is a line inside the
      // card (a photo's edge, a band) meeting the others askew, the card running out of the frame past it.
      const straightens =
        maxCornerAngleDeviation(orderQuad(chosen.corners)) -
          maxCornerAngleDeviation(orderQuad(bestBorder.corners)) >
        KEYSTONE_STRAIGHTENED_DEG;
      const sliver = chosen.area >= 0.75 * bestBorder.area && around && !straightens;
      const centre = (q: readonly Point[]) => ({
        x: (q[0]!.x + q[1]!.x + q[2]!.x + q[3]!.x) / 4,
        y: (q[0]!.y + q[1]!.y + q[2]!.y + q[3]!.y) / 4,
      });
      const beside =
        !pointInQuad(centre(chosen.corners), bestBorder.corners as unknown as Quad) &&
        chosen.miss <= Math.log(1 + FORMAT_TOLERANCE);
      if (shared < real.length && !sliver && !beside) chosen = bestBorder;
      // The winner sharing every real side is a booklet's page in full view with the other page running out of the
      // frame: it is the document if it is the data page. A page much barer than the part running out (a visa page
      // with a stamp, the data page cut off below it) is not.
      else if (shared === real.length && barerThanRest(edges, chosen.corners, bestBorder.corners))
        chosen = bestBorder;
    }
  } else {
    chosen = bestBorder;
  }
  if (!chosen) return undefined;
  const refined = chosen.lines.map((l, s) =>
    l.border ? l : (refineLine(edges, l, chosen.corners[s]!, chosen.corners[(s + 1) % 4]!) ?? l),
  );
  const out: Point[] = [];
  for (let s = 0; s < 4; s++) {
    const p = intersect(refined[(s + 3) % 4]!, refined[s]!);
    out.push(p ?? chosen.corners[s]!);
  }
  let corners: Point[] = isConvex(out) ? out : chosen.corners;
  if (!chosen.border) {
    // A shape no document has: search again outward; a quad that still has none is not a document's outline
    // (a perspective strong enough to fake one shows as perspective, which rectifiedAspect undoes).
    if (formatMiss(corners, w, h) > Math.log(1 + FORMAT_TOLERANCE)) {
      const grown = growToFormat(img, corners, refined);
      if (!grown) return undefined;
      corners = grown;
    }
    // An open passport seen whole: report its data page.
    if (allowFold && chosen.fold < 0 && formatMiss(corners, w, h) <= Math.log(1 + FORMAT_TOLERANCE)) {
      const r = rectifiedAspect(corners as Quad, w, h, FOCAL_PER_LONG_SIDE * Math.max(w, h));
      const aspect = r >= 1 ? r : 1 / r;
      if (Math.abs(Math.log(aspect / (125 / 88))) < 0.06)
        corners = dataPageOfBooklet(img, edges, lines, profiles, corners) ?? corners;
    }
  }
  let borderSide = chosen.border;
  if (chosen.border && allowFold) {
    const page = dataPageInCutOffBooklet(img, edges, corners, refined);
    if (page) {
      corners = page;
      borderSide = false;
    }
  }
  return {
    corners: orderQuad(corners),
    confidence: chosen.support * (borderSide ? 0.8 : 1),
    borderSide,
  };
}

/**
 * Whether a still is a scan cropped to its document: the image has an ID-1 card's or a passport page's shape (within
 * 3 %; a 3:2 or 4:3 photo has neither), and what lies outside the outline found inside it (if any) is not a plain
 * surface but more of the document (print, patterns: the luma varies). A card found on a plain scanner bed of A4
 * shape keeps its outline.
 */
function isWholeImageDocument(img: LumaImage, inner: Quad | undefined): boolean {
  const { width: w, height: h, luma } = img;
  const aspect = Math.max(w, h) / Math.min(w, h);
  if (
    Math.min(Math.abs(Math.log(aspect / (85.6 / 53.98))), Math.abs(Math.log(aspect / (125 / 88)))) >
    Math.log(1.03)
  )
    return false;
  if (!inner) return true;
  // Luma spread over a grid of points outside the inner outline (with a margin for its edge).
  const cx = (inner[0].x + inner[1].x + inner[2].x + inner[3].x) / 4;
  const cy = (inner[0].y + inner[1].y + inner[2].y + inner[3].y) / 4;
  const grown = inner.map((p) => ({ x: cx + (p.x - cx) * 1.06, y: cy + (p.y - cy) * 1.06 })) as Quad;
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let gy = 0; gy < 30; gy++) {
    for (let gx = 0; gx < 40; gx++) {
      const x = Math.floor(((gx + 0.5) * w) / 40);
      const y = Math.floor(((gy + 0.5) * h) / 30);
      if (pointInQuad({ x: x + 0.5, y: y + 0.5 }, grown)) continue;
      const v = luma[y * w + x]!;
      n++;
      sum += v;
      sq += v * v;
    }
  }
  if (n < 40) return false;
  const mean = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mean * mean)) > WHOLE_IMAGE_MIN_SPREAD;
}

/** Luma standard deviation outside an outline above which the surround is document, not scanner bed (0..255). */
const WHOLE_IMAGE_MIN_SPREAD = 15;

/**
 * Finds the document in a frame or a still. Undefined when nothing document-like is there — a normal result, not an
 * error. Pure, synchronous, no DOM: runs in the capture worker on camera frames and on the server on stored photos
 * and scans (downscale them to ~1000–1600 px first; the search itself works at `workingWidth`).
 *
 * @example
 * const found = findDocumentQuad(imageData, { kind: 'id1' });
 * if (found) drawOutline(found.quad);
 * // A scan cut to the card: the image border is the card's.
 * const scan = findDocumentQuad(rgba, { wholeImageFallback: true });
 * const upright = scan && rectifyQuadRgba(rgba, uprightQuad(scan.quad), 1012, Math.round(1012 / scan.aspect));
 */
export function findDocumentQuad(
  frame: FrameLike,
  opts: FindDocumentQuadOptions = {},
): DocumentQuadResult | undefined {
  const img = toColorImage(frame, opts.workingWidth ?? 320);
  const found = findDocumentQuadInLuma(img, { kind: opts.kind });
  const { width: fw, height: fh } = frame;
  const focal = FOCAL_PER_LONG_SIDE * Math.max(fw, fh);
  if (opts.wholeImageFallback && isWholeImageDocument(img, found?.corners)) {
    const aspect = Math.max(fw, fh) / Math.min(fw, fh);
    const quad: Quad = [
      { x: 0, y: 0 },
      { x: fw, y: 0 },
      { x: fw, y: fh },
      { x: 0, y: fh },
    ];
    return {
      quad,
      confidence: 0.3,
      borderSide: true,
      source: 'whole-image',
      aspect,
      kindGuess: guessDocumentKind(aspect),
    };
  }
  if (!found) return undefined;
  const quad = found.corners.map((p) => ({ x: p.x * img.scale, y: p.y * img.scale })) as Quad;
  const r = rectifiedAspect(quad, fw, fh, focal);
  const aspect = r >= 1 ? r : 1 / r;
  return {
    quad,
    confidence: found.confidence,
    borderSide: found.borderSide,
    source: found.borderSide ? 'frame-border' : 'outline',
    aspect,
    kindGuess: found.borderSide ? 'other' : guessDocumentKind(aspect),
  };
}
