/**
 * Camera-like frames of a document or a face photo: a background, the subject placed with perspective, then
 * glare, optics blur, motion blur, exposure and sensor noise. Everything is seeded, synchronous and pure
 * TypeScript, so the same options give the same bytes and the document's true corners are known exactly.
 */
import { type Matrix3, homographyFromQuads, mapPoint } from './homography.js';
import { DEFAULT_SEED, randomFor, type SeededRandom } from './random.js';
import type { Point, RgbaImage } from './rgba-image.js';

export type SceneBackground = 'desk' | 'wood' | 'noise' | 'plain' | [number, number, number];

export interface SceneOptions {
  /** Frame size in pixels (default 640 × 480). */
  width?: number;
  height?: number;
  seed?: number;
  background?: SceneBackground;
  /** Document centre as fractions of the frame (default 0.5). */
  centerX?: number;
  centerY?: number;
  /** Document width ÷ frame width (default 0.7). */
  scale?: number;
  /** In-plane rotation in degrees, clockwise. */
  rotationDeg?: number;
  /** Perspective tilt around the horizontal axis; positive tips the top edge away (keystone, top edge shorter). */
  tiltDeg?: number;
  /** Gaussian blur, standard deviation in frame pixels. */
  blurSigma?: number;
  /** Horizontal motion blur length in frame pixels. */
  motionBlurPx?: number;
  /**
   * Specular highlight on the document: centre in fractions of the document, radius as a fraction of the
   * document width, intensity 0..1 = opacity of the white highlight at its core (1 saturates the core).
   */
  glare?: { x: number; y: number; radius: number; intensity: number };
  /** Multiplier on linear pixel values after the scene is lit (1 = normal). */
  exposure?: number;
  /** Standard deviation of luma noise (default 2). */
  noise?: number;
}

export interface FaceSceneOptions {
  width?: number;
  height?: number;
  seed?: number;
  /** Face photo width ÷ frame width (default 0.8). */
  scale?: number;
  centerX?: number;
  centerY?: number;
  rotationDeg?: number;
  blurSigma?: number;
  exposure?: number;
  background?: SceneOptions['background'];
}

/** Three float channels (RGB, 0..255) for the frame while it is being composed. */
interface FloatFrame {
  rgb: Float32Array;
  width: number;
  height: number;
}

/** Premultiplied RGBA in floats, the form that can be averaged and resampled without dark fringes. */
interface PremultipliedImage {
  rgba: Float32Array;
  width: number;
  height: number;
}

const DEG = Math.PI / 180;

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

function smoothstep(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Smooth random field in [0, 1): random values on a grid of `cell` pixels, interpolated. */
function valueNoise(width: number, height: number, cell: number, rng: SeededRandom): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const ty = smoothstep(gy - y0);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const tx = smoothstep(gx - x0);
      const a = grid[y0 * gw + x0]!;
      const b = grid[y0 * gw + x0 + 1]!;
      const c = grid[(y0 + 1) * gw + x0]!;
      const d = grid[(y0 + 1) * gw + x0 + 1]!;
      out[y * width + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

function renderBackground(width: number, height: number, kind: SceneBackground, seed: number): FloatFrame {
  const rgb = new Float32Array(width * height * 3);
  const frame = { rgb, width, height };
  const rng = randomFor(seed, 'background');
  const fill = (f: (x: number, y: number, i: number) => [number, number, number]) => {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        rgb.set(f(x, y, i), i * 3);
      }
    }
  };
  if (Array.isArray(kind)) {
    fill(() => kind);
    return frame;
  }
  switch (kind) {
    case 'plain':
      fill(() => [110, 110, 114]);
      break;
    case 'desk': {
      // Dark matte desk: a soft light falloff and a faint large-scale mottling.
      const mottle = valueNoise(width, height, Math.max(8, width / 10), rng);
      const lx = rng.range(0.3, 0.7) * width;
      const ly = rng.range(0.2, 0.5) * height;
      const diag = Math.hypot(width, height);
      fill((x, y, i) => {
        const light = 1.15 - 0.45 * (Math.sqrt((x - lx) ** 2 + (y - ly) ** 2) / diag);
        const m = 0.9 + 0.2 * mottle[i]!;
        return [58 * light * m, 62 * light * m, 70 * light * m];
      });
      break;
    }
    case 'wood': {
      // Grain: stretched noise bends sinusoidal rings running along x.
      const warp = valueNoise(width, height, Math.max(6, height / 6), rng);
      const fine = valueNoise(width, height, 3, rng);
      const freq = rng.range(0.08, 0.14);
      fill((x, y, i) => {
        const ring = 0.5 + 0.5 * Math.sin(y * freq + warp[i]! * 9 + x * 0.004);
        const t = 0.75 + 0.2 * ring + 0.08 * fine[i]!;
        return [150 * t, 98 * t, 56 * t];
      });
      break;
    }
    case 'noise': {
      // Busy, colourful clutter: the hard case for edge-based document finding.
      const rN = valueNoise(width, height, 12, rng);
      const gN = valueNoise(width, height, 12, rng);
      const bN = valueNoise(width, height, 12, rng);
      fill((_x, _y, i) => [40 + 180 * rN[i]!, 40 + 180 * gN[i]!, 40 + 180 * bN[i]!]);
      break;
    }
  }
  return frame;
}

function premultiply(img: RgbaImage): PremultipliedImage {
  const n = img.width * img.height;
  const rgba = new Float32Array(n * 4);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    const a = d[i * 4 + 3]! / 255;
    rgba[i * 4] = d[i * 4]! * a;
    rgba[i * 4 + 1] = d[i * 4 + 1]! * a;
    rgba[i * 4 + 2] = d[i * 4 + 2]! * a;
    rgba[i * 4 + 3] = a;
  }
  return { rgba, width: img.width, height: img.height };
}

/** Box-averages k × k blocks, so later bilinear sampling does not alias when the subject is shown small. */
function downsample(img: PremultipliedImage, k: number): PremultipliedImage {
  const width = Math.floor(img.width / k);
  const height = Math.floor(img.height / k);
  const rgba = new Float32Array(width * height * 4);
  const inv = 1 / (k * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      for (let dy = 0; dy < k; dy++) {
        let s = ((y * k + dy) * img.width + x * k) * 4;
        for (let dx = 0; dx < k; dx++, s += 4) {
          rgba[o] += img.rgba[s]!;
          rgba[o + 1] += img.rgba[s + 1]!;
          rgba[o + 2] += img.rgba[s + 2]!;
          rgba[o + 3] += img.rgba[s + 3]!;
        }
      }
      rgba[o]! *= inv;
      rgba[o + 1]! *= inv;
      rgba[o + 2]! *= inv;
      rgba[o + 3]! *= inv;
    }
  }
  return { rgba, width, height };
}

/** Premultiplied (and box-downsampled by k) copies of recent subjects: scenes of one document reuse them. */
const preparedSources = new WeakMap<RgbaImage, Map<number, PremultipliedImage>>();

function preparedSource(subject: RgbaImage, k: number): PremultipliedImage {
  let byFactor = preparedSources.get(subject);
  if (!byFactor) {
    byFactor = new Map();
    preparedSources.set(subject, byFactor);
  }
  const factor = Math.max(1, k);
  let prepared = byFactor.get(factor);
  if (!prepared) {
    const full = byFactor.get(1) ?? premultiply(subject);
    byFactor.set(1, full);
    prepared = factor >= 2 ? downsample(full, factor) : full;
    byFactor.set(factor, prepared);
  }
  return prepared;
}

function edgeLength(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

/**
 * Draws `subject` into `frame` so that its corners land on `quad` (TL, TR, BR, BL), compositing over what is
 * there. Returns the subject's coverage (0..1) per frame pixel.
 */
function warpOnto(frame: FloatFrame, subject: RgbaImage, quad: [Point, Point, Point, Point]): Float32Array {
  const coverage = new Float32Array(frame.width * frame.height);
  const shown = Math.max(
    (edgeLength(quad[0], quad[1]) + edgeLength(quad[3], quad[2])) / 2 / subject.width,
    (edgeLength(quad[0], quad[3]) + edgeLength(quad[1], quad[2])) / 2 / subject.height,
  );
  const k = Math.floor(1 / Math.max(shown, 1e-3) / 1.25);
  const src = preparedSource(subject, k);
  // Inverse mapping: frame pixel centre → source coordinates.
  const toSource: Matrix3 = homographyFromQuads(quad, [
    { x: 0, y: 0 },
    { x: src.width, y: 0 },
    { x: src.width, y: src.height },
    { x: 0, y: src.height },
  ]);
  const xs = quad.map((p) => p.x);
  const ys = quad.map((p) => p.y);
  const x0 = clamp(Math.floor(Math.min(...xs)) - 1, 0, frame.width - 1);
  const x1 = clamp(Math.ceil(Math.max(...xs)) + 1, 0, frame.width - 1);
  const y0 = clamp(Math.floor(Math.min(...ys)) - 1, 0, frame.height - 1);
  const y1 = clamp(Math.ceil(Math.max(...ys)) + 1, 0, frame.height - 1);
  const { rgba, width: W, height: H } = src;
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = toSource as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const weights = [0, 0, 0, 0];
  const offsets = [-1, -1, -1, -1];
  // Hot loop: no closures here (tsx/esbuild wraps each one, which costs more than the pixel work).
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      // mapPoint, inlined: this runs for every pixel under the document.
      const w = h6 * (x + 0.5) + h7 * (y + 0.5) + h8;
      const u = (h0 * (x + 0.5) + h1 * (y + 0.5) + h2) / w - 0.5;
      const v = (h3 * (x + 0.5) + h4 * (y + 0.5) + h5) / w - 0.5;
      if (u < -1 || v < -1 || u > W || v > H) continue;
      const iu = Math.floor(u);
      const iv = Math.floor(v);
      const fu = u - iu;
      const fv = v - iv;
      weights[0] = (1 - fu) * (1 - fv);
      weights[1] = fu * (1 - fv);
      weights[2] = (1 - fu) * fv;
      weights[3] = fu * fv;
      for (let k = 0; k < 4; k++) {
        const tx = iu + (k & 1);
        const ty = iv + (k >> 1);
        offsets[k] = tx < 0 || ty < 0 || tx >= W || ty >= H ? -1 : (ty * W + tx) * 4;
      }
      let a = 0;
      for (let k = 0; k < 4; k++) if (offsets[k]! >= 0) a += rgba[offsets[k]! + 3]! * weights[k]!;
      if (a <= 0) continue;
      const i = y * frame.width + x;
      coverage[i] = a;
      for (let c = 0; c < 3; c++) {
        let value = 0;
        for (let k = 0; k < 4; k++) if (offsets[k]! >= 0) value += rgba[offsets[k]! + c]! * weights[k]!;
        frame.rgb[i * 3 + c] = value + frame.rgb[i * 3 + c]! * (1 - a);
      }
    }
  }
  return coverage;
}

/** Mixes white into the frame around `centre`, only where the document is (`coverage`). */
function addGlare(
  frame: FloatFrame,
  coverage: Float32Array,
  centre: Point,
  radius: number,
  intensity: number,
) {
  const core = radius * 0.5;
  const x0 = clamp(Math.floor(centre.x - radius), 0, frame.width - 1);
  const x1 = clamp(Math.ceil(centre.x + radius), 0, frame.width - 1);
  const y0 = clamp(Math.floor(centre.y - radius), 0, frame.height - 1);
  const y1 = clamp(Math.ceil(centre.y + radius), 0, frame.height - 1);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = Math.hypot(x + 0.5 - centre.x, y + 0.5 - centre.y);
      if (d >= radius) continue;
      const falloff = d <= core ? 1 : 1 - smoothstep((d - core) / (radius - core));
      const i = y * frame.width + x;
      const mix = clamp(intensity, 0, 1) * falloff * coverage[i]!;
      for (let c = 0; c < 3; c++) frame.rgb[i * 3 + c] += (255 - frame.rgb[i * 3 + c]!) * mix;
    }
  }
}

/** Separable convolution along x or y with a normalised kernel centred on index `radius`. */
function convolve(frame: FloatFrame, kernel: Float32Array, horizontal: boolean): void {
  const { width, height, rgb } = frame;
  const radius = (kernel.length - 1) / 2;
  const out = new Float32Array(rgb.length);
  const len = horizontal ? width : height;
  const lines = horizontal ? height : width;
  for (let line = 0; line < lines; line++) {
    for (let p = 0; p < len; p++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < kernel.length; k++) {
        const q = clamp(p + k - radius, 0, len - 1);
        const i = (horizontal ? line * width + q : q * width + line) * 3;
        const w = kernel[k]!;
        r += rgb[i]! * w;
        g += rgb[i + 1]! * w;
        b += rgb[i + 2]! * w;
      }
      const o = (horizontal ? line * width + p : p * width + line) * 3;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  rgb.set(out);
}

function gaussianBlur(frame: FloatFrame, sigma: number): void {
  if (!(sigma > 0)) return;
  const radius = Math.max(1, Math.ceil(sigma * 3));
  const kernel = new Float32Array(radius * 2 + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  convolve(frame, kernel, true);
  convolve(frame, kernel, false);
}

/** A horizontal box of `length` pixels (fractional lengths weight the end taps). */
function motionBlur(frame: FloatFrame, length: number): void {
  if (!(length > 1)) return;
  const radius = Math.ceil((length - 1) / 2);
  const kernel = new Float32Array(radius * 2 + 1).fill(1);
  const edge = ((length - 1) / 2 - (radius - 1)) as number;
  kernel[0] = edge;
  kernel[kernel.length - 1] = edge;
  const sum = kernel.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  convolve(frame, kernel, true);
}

/** Exposure, luma noise, rounding: the float frame becomes opaque 8-bit RGBA. */
function finish(frame: FloatFrame, exposure: number, noise: number, rng: SeededRandom): RgbaImage {
  const n = frame.width * frame.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const jitter = noise > 0 ? rng.gaussian() * noise : 0;
    data[i * 4] = frame.rgb[i * 3]! * exposure + jitter;
    data[i * 4 + 1] = frame.rgb[i * 3 + 1]! * exposure + jitter;
    data[i * 4 + 2] = frame.rgb[i * 3 + 2]! * exposure + jitter;
    data[i * 4 + 3] = 255;
  }
  return { data, width: frame.width, height: frame.height };
}

/**
 * Where a subject of `width × height` pixels lands: scaled to `displayWidth`, tilted around its horizontal axis
 * with a pinhole camera of focal length ≈ frame width, rotated in plane, centred at `centre`. Corners TL, TR, BR, BL.
 */
function placeQuad(
  aspect: number,
  displayWidth: number,
  centre: Point,
  rotationDeg: number,
  tiltDeg: number,
  focal: number,
): [Point, Point, Point, Point] {
  const hw = displayWidth / 2;
  const hh = displayWidth / aspect / 2;
  const tilt = tiltDeg * DEG;
  const rot = rotationDeg * DEG;
  const corners: [number, number][] = [
    [-hw, -hh],
    [hw, -hh],
    [hw, hh],
    [-hw, hh],
  ];
  return corners.map(([X, Y]) => {
    // Top edge (Y < 0) moves away from the camera for positive tilt.
    const depth = focal - Y * Math.sin(tilt);
    const px = (X * focal) / depth;
    const py = (Y * Math.cos(tilt) * focal) / depth;
    return {
      x: centre.x + px * Math.cos(rot) - py * Math.sin(rot),
      y: centre.y + px * Math.sin(rot) + py * Math.cos(rot),
    };
  }) as [Point, Point, Point, Point];
}

/**
 * A camera frame showing `doc` (e.g. from idCardFront) with known corners.
 * `quad` is where the document's corners are in the frame (TL, TR, BR, BL, frame pixels); for cards with rounded
 * corners it is the corner of the card's bounding rectangle. Treat `doc` as immutable: its premultiplied pixels are
 * cached per object so that many scenes of one document stay cheap.
 */
export function renderScene(
  doc: RgbaImage,
  opts: SceneOptions = {},
): { image: RgbaImage; quad: [Point, Point, Point, Point] } {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const seed = opts.seed ?? DEFAULT_SEED;
  const frame = renderBackground(width, height, opts.background ?? 'desk', seed);
  const centre = { x: (opts.centerX ?? 0.5) * width, y: (opts.centerY ?? 0.5) * height };
  const quad = placeQuad(
    doc.width / doc.height,
    (opts.scale ?? 0.7) * width,
    centre,
    opts.rotationDeg ?? 0,
    opts.tiltDeg ?? 0,
    width,
  );
  const coverage = warpOnto(frame, doc, quad);
  if (opts.glare && opts.glare.intensity > 0) {
    const toFrame = homographyFromQuads(
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
        { x: 1, y: 1 },
        { x: 0, y: 1 },
      ],
      quad,
    );
    const { x, y, radius, intensity } = opts.glare;
    const c = mapPoint(toFrame, { x, y });
    // Radius is a fraction of the document width; measure it along the document's top edge direction.
    const r = edgeLength(c, mapPoint(toFrame, { x: x + radius, y }));
    addGlare(frame, coverage, c, r, intensity);
  }
  gaussianBlur(frame, opts.blurSigma ?? 0);
  motionBlur(frame, opts.motionBlurPx ?? 0);
  const image = finish(frame, opts.exposure ?? 1, opts.noise ?? 2, randomFor(seed, 'sensor'));
  return { image, quad };
}

/** A selfie-like frame: `photo` (e.g. the astronaut portrait) placed, rotated, blurred and exposed. */
export function renderFaceScene(photo: RgbaImage, opts: FaceSceneOptions = {}): RgbaImage {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const seed = opts.seed ?? DEFAULT_SEED;
  const frame = renderBackground(width, height, opts.background ?? 'plain', seed);
  const quad = placeQuad(
    photo.width / photo.height,
    (opts.scale ?? 0.8) * width,
    { x: (opts.centerX ?? 0.5) * width, y: (opts.centerY ?? 0.5) * height },
    opts.rotationDeg ?? 0,
    0,
    width,
  );
  warpOnto(frame, photo, quad);
  gaussianBlur(frame, opts.blurSigma ?? 0);
  return finish(frame, opts.exposure ?? 1, 2, randomFor(seed, 'sensor'));
}
