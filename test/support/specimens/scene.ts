/**
 * Camera-like frames of a document or a face photo: a background, the subject placed with perspective, then
 * glare, optics blur, motion blur, exposure and sensor noise. Everything is seeded, synchronous and pure
 * TypeScript, so the same options give the same bytes and the document's true corners are known exactly.
 */
import { type Matrix3, homographyFromQuads, mapPoint } from './homography.js';
import { DEFAULT_SEED, randomFor, type SeededRandom } from './random.js';
import { encodeJpeg, type Point, type RgbaImage } from './rgba-image.js';

/**
 * What the document lies on. Dark and mid-tone surfaces (`desk`, `wood`, `noise`, `plain`, `carpet`), light ones
 * that a light card barely stands out from (`paper`, `white`, `marble`, `light-wood`, `fabric`), and surfaces with
 * straight lines of their own (`tiles`: grout lines; `clutter`: papers and a phone with straight edges). A colour
 * triple is a flat surface of that colour.
 */
export type SceneBackground =
  | 'desk'
  | 'wood'
  | 'noise'
  | 'plain'
  | 'paper'
  | 'white'
  | 'marble'
  | 'light-wood'
  | 'fabric'
  | 'carpet'
  | 'tiles'
  | 'clutter'
  | [number, number, number];

/** Every textured surface, for generators that draw one at random. */
export const SCENE_BACKGROUNDS = [
  'desk',
  'wood',
  'noise',
  'plain',
  'paper',
  'white',
  'marble',
  'light-wood',
  'fabric',
  'carpet',
  'tiles',
  'clutter',
] as const satisfies readonly SceneBackground[];

/** A thumb holding the document, over one of its edges (fractions of the document). */
export interface SceneFinger {
  side: 'left' | 'right' | 'top' | 'bottom';
  /** Where along that side, 0..1 from its start (left or top end). */
  at: number;
  /** How far the thumb reaches in over the document, as a share of its short side (about 0.05–0.2). */
  reach: number;
}

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
  /** Perspective turn around the vertical axis; positive takes the right edge away (right edge shorter). */
  yawDeg?: number;
  /** Gaussian blur, standard deviation in frame pixels. */
  blurSigma?: number;
  /** Motion blur length in frame pixels. */
  motionBlurPx?: number;
  /** Direction of the motion blur in degrees (default 0: horizontal). */
  motionAngleDeg?: number;
  /**
   * Specular highlight on the document: centre in fractions of the document, radius as a fraction of the
   * document width, intensity 0..1 = opacity of the white highlight at its core (1 saturates the core). A
   * `streak` (a strip light's reflection) is `length` document widths long at `angleDeg`, `radius` wide.
   */
  glare?: {
    x: number;
    y: number;
    radius: number;
    intensity: number;
    shape?: 'spot' | 'streak';
    length?: number;
    angleDeg?: number;
  };
  /** Base colour of a textured background (`paper`, `white`, `marble`, `fabric`, `tiles`, `plain`, `carpet`). */
  backgroundColor?: [number, number, number];
  /**
   * Uneven light over the whole frame: brightness runs from 1 − strength to 1 + strength along `angleDeg`
   * (0 = brighter to the right).
   */
  light?: { angleDeg: number; strength: number };
  /**
   * A soft shadow (a hand, the phone) over part of the frame: everything beyond a line at `offset` document
   * widths from the document centre along `angleDeg` is darkened by `strength` (0..1), the edge `softness`
   * document widths wide.
   */
  shadow?: { angleDeg: number; offset: number; strength: number; softness: number };
  /** The document's own shadow on the surface: offset and blur in document widths, strength 0..1. */
  castShadow?: { dx: number; dy: number; blur: number; strength: number };
  /** Thumbs over the document's edges. */
  fingers?: SceneFinger[];
  /** Multiplier on linear pixel values after the scene is lit (1 = normal). */
  exposure?: number;
  /**
   * Meter the frame like a camera first: scale it so its mean is mid-grey (118), within 0.7–1.6×, with its whitest
   * diffuse surfaces (all but 0.3 %) at 240 or below, where a phone's tone curve puts white paper; `exposure` then
   * varies around that. Off by default (fixed exposure).
   */
  autoExposure?: boolean;
  /** Standard deviation of luma noise (default 2). */
  noise?: number;
  /** Standard deviation of independent per-channel noise (colour noise of small sensors; default 0). */
  chromaNoise?: number;
  /**
   * The part of the subject that is the document whose corners are reported, in subject pixels (a passport
   * booklet's data page, below its opposite page). Default: the whole subject.
   */
  documentRect?: { x: number; y: number; width: number; height: number };
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

function renderBackground(
  width: number,
  height: number,
  kind: SceneBackground,
  seed: number,
  color?: [number, number, number],
): FloatFrame {
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
    case 'plain': {
      const c = color ?? [110, 110, 114];
      fill(() => c);
      break;
    }
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
    default:
      renderSurface(frame, kind, rng, color);
  }
  return frame;
}

/** A colour near `base`, each channel moved by up to ±`spread`. */
function jitterColor(
  rng: SeededRandom,
  base: [number, number, number],
  spread: number,
): [number, number, number] {
  return base.map((c) => clamp(c + rng.range(-spread, spread), 0, 255)) as [number, number, number];
}

/**
 * The surfaces added for the realistic accuracy set: light and low-contrast ones, textured ones, and ones with
 * straight lines of their own. Their colours are drawn from the seed unless `color` fixes the base colour.
 */
function renderSurface(
  frame: FloatFrame,
  kind: Exclude<SceneBackground, 'desk' | 'wood' | 'noise' | 'plain' | [number, number, number]>,
  rng: SeededRandom,
  color: [number, number, number] | undefined,
): void {
  const { width, height, rgb } = frame;
  const n = width * height;
  const put = (i: number, r: number, g: number, b: number) => {
    rgb[i * 3] = r;
    rgb[i * 3 + 1] = g;
    rgb[i * 3 + 2] = b;
  };
  switch (kind) {
    case 'paper':
    case 'white': {
      // Printer paper or a white table: near white, a fine fibre grain and a faint large-scale unevenness. Paper
      // may carry faint rows of print (the letter the card lies on).
      const base =
        color ??
        (kind === 'paper' ? jitterColor(rng, [238, 234, 224], 10) : jitterColor(rng, [244, 244, 242], 6));
      const fibre = valueNoise(width, height, 2, rng);
      const mottle = valueNoise(width, height, Math.max(16, width / 6), rng);
      for (let i = 0; i < n; i++) {
        const t = 1 + 0.025 * (fibre[i]! - 0.5) + 0.04 * (mottle[i]! - 0.5);
        put(i, base[0] * t, base[1] * t, base[2] * t);
      }
      if (kind === 'paper' && rng.next() < 0.6) {
        const pitch = rng.range(14, 24) * (width / 640);
        const ink = rng.range(0.55, 0.8);
        const left = rng.range(0.02, 0.2) * width;
        for (let row = rng.range(0, pitch); row < height; row += pitch) {
          let x = left + rng.range(-4, 4);
          const end = width * rng.range(0.6, 1.05);
          while (x < end) {
            const word = rng.range(10, 60) * (width / 640);
            const y0 = Math.round(row);
            for (let y = y0; y < Math.min(height, y0 + Math.max(2, pitch * 0.35)); y++) {
              for (let xx = Math.max(0, Math.round(x)); xx < Math.min(width, Math.round(x + word)); xx++) {
                if ((xx * 7 + y * 3) % 5 < 2) continue;
                const i = y * width + xx;
                put(i, rgb[i * 3]! * ink, rgb[i * 3 + 1]! * ink, rgb[i * 3 + 2]! * ink);
              }
            }
            x += word + rng.range(4, 10) * (width / 640);
          }
        }
      }
      break;
    }
    case 'marble': {
      // Light stone with dark veins: turbulence bent through a sine.
      const base = color ?? jitterColor(rng, [225, 222, 218], 12);
      const warp = valueNoise(width, height, Math.max(10, width / 8), rng);
      const fine = valueNoise(width, height, Math.max(4, width / 40), rng);
      const angle = rng.range(0, Math.PI);
      const ca = Math.cos(angle);
      const sa = Math.sin(angle);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const v = Math.abs(Math.sin(((x * ca + y * sa) / width) * 9 + warp[i]! * 7 + fine[i]! * 2));
          const t = 1 - 0.28 * (1 - v) ** 6 - 0.04 * fine[i]!;
          put(i, base[0] * t, base[1] * t, base[2] * t);
        }
      }
      break;
    }
    case 'light-wood': {
      const base = color ?? jitterColor(rng, [214, 188, 150], 12);
      const warp = valueNoise(width, height, Math.max(6, height / 6), rng);
      const fine = valueNoise(width, height, 3, rng);
      const freq = rng.range(0.06, 0.12);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const ring = 0.5 + 0.5 * Math.sin(y * freq + warp[i]! * 8 + x * 0.003);
          const t = 0.9 + 0.08 * ring + 0.05 * fine[i]!;
          put(i, base[0] * t, base[1] * t, base[2] * t);
        }
      }
      break;
    }
    case 'fabric':
    case 'carpet': {
      // A woven surface: a fine over-under pattern, thread-level noise, colour from the seed.
      const base =
        color ??
        (kind === 'fabric'
          ? ([rng.range(120, 235), rng.range(110, 230), rng.range(100, 230)] as [number, number, number])
          : ([rng.range(40, 110), rng.range(40, 100), rng.range(40, 100)] as [number, number, number]));
      const pitch = (kind === 'fabric' ? rng.range(3, 6) : rng.range(2, 4)) * (width / 640);
      const fine = valueNoise(width, height, 2, rng);
      const mottle = valueNoise(width, height, Math.max(10, width / 12), rng);
      const depth = kind === 'fabric' ? 0.1 : 0.25;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const weave = Math.sin((x / pitch) * Math.PI) * Math.sin((y / pitch) * Math.PI);
          const t = 1 + depth * (0.6 * weave + 0.8 * (fine[i]! - 0.5)) + 0.08 * (mottle[i]! - 0.5);
          put(i, base[0] * t, base[1] * t, base[2] * t);
        }
      }
      break;
    }
    case 'tiles': {
      // Light tiles with darker grout lines: long straight edges that are not the document's.
      const base = color ?? jitterColor(rng, [215, 212, 205], 25);
      const size = rng.range(70, 150) * (width / 640);
      const grout = rng.range(2, 5) * (width / 640);
      const angle = rng.range(-0.15, 0.15);
      const ca = Math.cos(angle);
      const sa = Math.sin(angle);
      const ox = rng.range(0, size);
      const oy = rng.range(0, size);
      const fine = valueNoise(width, height, 3, rng);
      const shade = rng.range(0.55, 0.8);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const u = (((x * ca + y * sa + ox) % size) + size) % size;
          const v = (((-x * sa + y * ca + oy) % size) + size) % size;
          const inGrout = u < grout || v < grout;
          const t = (inGrout ? shade : 1) * (1 + 0.03 * (fine[i]! - 0.5));
          put(i, base[0] * t, base[1] * t, base[2] * t);
        }
      }
      break;
    }
    case 'clutter': {
      // A mid-tone desk with papers, a notebook and a phone lying around: straight edges of many lengths.
      const base = jitterColor(rng, [120, 112, 105], 30);
      const fine = valueNoise(width, height, 4, rng);
      for (let i = 0; i < n; i++) {
        const t = 1 + 0.06 * (fine[i]! - 0.5);
        put(i, base[0] * t, base[1] * t, base[2] * t);
      }
      const objects = rng.int(2, 4);
      for (let k = 0; k < objects; k++) {
        const phone = k === 0 && rng.next() < 0.5;
        const fill: [number, number, number] = phone
          ? [25, 25, 30]
          : (jitterColor(rng, [225, 222, 212], 25) as [number, number, number]);
        // Anchored at a frame edge, so most of each object lies outside the frame like things at the side of a desk.
        const w = (phone ? rng.range(0.15, 0.25) : rng.range(0.3, 0.7)) * width;
        const h = (phone ? rng.range(0.3, 0.45) : rng.range(0.3, 0.7)) * height;
        const edge = rng.int(0, 3);
        const cx =
          edge === 0
            ? rng.range(-0.2, 0.1) * width
            : edge === 1
              ? rng.range(0.9, 1.2) * width
              : rng.range(0, 1) * width;
        const cy =
          edge === 2
            ? rng.range(-0.2, 0.1) * height
            : edge === 3
              ? rng.range(0.9, 1.2) * height
              : rng.range(0, 1) * height;
        const angle = rng.range(-0.5, 0.5);
        const ca = Math.cos(angle);
        const sa = Math.sin(angle);
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const dx = x - cx;
            const dy = y - cy;
            const u = dx * ca + dy * sa;
            const v = -dx * sa + dy * ca;
            if (Math.abs(u) > w / 2 || Math.abs(v) > h / 2) continue;
            const i = y * width + x;
            const t = 1 + 0.03 * (fine[i]! - 0.5);
            put(i, fill[0] * t, fill[1] * t, fill[2] * t);
          }
        }
      }
      break;
    }
  }
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

/**
 * Level a specular highlight reaches at its core (linear, before exposure): well above diffuse white, so it clips
 * at any exposure a camera would choose for the scene, as a reflection of a lamp does.
 */
const SPECULAR = 400;

/**
 * Mixes white into the frame where the document is (`coverage`): a round spot around `centre`, or a streak (a strip
 * light's reflection) `length` pixels long in direction `dir`, `radius` pixels wide.
 */
function addGlare(
  frame: FloatFrame,
  coverage: Float32Array,
  centre: Point,
  radius: number,
  intensity: number,
  streak?: { length: number; dir: Point },
) {
  const core = radius * 0.5;
  const half = streak ? streak.length / 2 : 0;
  const reach = radius + half;
  const x0 = clamp(Math.floor(centre.x - reach), 0, frame.width - 1);
  const x1 = clamp(Math.ceil(centre.x + reach), 0, frame.width - 1);
  const y0 = clamp(Math.floor(centre.y - reach), 0, frame.height - 1);
  const y1 = clamp(Math.ceil(centre.y + reach), 0, frame.height - 1);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let dx = x + 0.5 - centre.x;
      let dy = y + 0.5 - centre.y;
      if (streak) {
        // Distance to the streak's centre segment.
        const t = clamp(dx * streak.dir.x + dy * streak.dir.y, -half, half);
        dx -= t * streak.dir.x;
        dy -= t * streak.dir.y;
      }
      const d = Math.hypot(dx, dy);
      if (d >= radius) continue;
      const falloff = d <= core ? 1 : 1 - smoothstep((d - core) / (radius - core));
      const i = y * frame.width + x;
      const mix = clamp(intensity, 0, 1) * falloff * coverage[i]!;
      for (let c = 0; c < 3; c++) frame.rgb[i * 3 + c] += (SPECULAR - frame.rgb[i * 3 + c]!) * mix;
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

/** A box of `length` pixels along `angleDeg` (fractional lengths weight the end taps). */
function motionBlur(frame: FloatFrame, length: number, angleDeg = 0): void {
  if (!(length > 1)) return;
  const radius = Math.ceil((length - 1) / 2);
  const kernel = new Float32Array(radius * 2 + 1).fill(1);
  const edge = ((length - 1) / 2 - (radius - 1)) as number;
  kernel[0] = edge;
  kernel[kernel.length - 1] = edge;
  const sum = kernel.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  if (angleDeg % 180 === 0) {
    convolve(frame, kernel, true);
    return;
  }
  // Any other direction: bilinear taps along the line.
  const { width, height, rgb } = frame;
  const ux = Math.cos(angleDeg * DEG);
  const uy = Math.sin(angleDeg * DEG);
  const out = new Float32Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < kernel.length; k++) {
        const sx = clamp(x + (k - radius) * ux, 0, width - 1.001);
        const sy = clamp(y + (k - radius) * uy, 0, height - 1.001);
        const ix = Math.floor(sx);
        const iy = Math.floor(sy);
        const fx = sx - ix;
        const fy = sy - iy;
        const w = kernel[k]!;
        const i00 = (iy * width + ix) * 3;
        const i10 = i00 + 3;
        const i01 = i00 + width * 3;
        const i11 = i01 + 3;
        const w00 = (1 - fx) * (1 - fy) * w;
        const w10 = fx * (1 - fy) * w;
        const w01 = (1 - fx) * fy * w;
        const w11 = fx * fy * w;
        r += rgb[i00]! * w00 + rgb[i10]! * w10 + rgb[i01]! * w01 + rgb[i11]! * w11;
        g += rgb[i00 + 1]! * w00 + rgb[i10 + 1]! * w10 + rgb[i01 + 1]! * w01 + rgb[i11 + 1]! * w11;
        b += rgb[i00 + 2]! * w00 + rgb[i10 + 2]! * w10 + rgb[i01 + 2]! * w01 + rgb[i11 + 2]! * w11;
      }
      const o = (y * width + x) * 3;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  rgb.set(out);
}

/** Exposure, luma and colour noise, rounding: the float frame becomes opaque 8-bit RGBA. */
function finish(
  frame: FloatFrame,
  exposure: number,
  noise: number,
  rng: SeededRandom,
  chromaNoise = 0,
  chromaRng?: SeededRandom,
): RgbaImage {
  const n = frame.width * frame.height;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const jitter = noise > 0 ? rng.gaussian() * noise : 0;
    let cr = 0;
    let cg = 0;
    let cb = 0;
    if (chromaNoise > 0 && chromaRng) {
      cr = chromaRng.gaussian() * chromaNoise;
      cg = chromaRng.gaussian() * chromaNoise;
      cb = chromaRng.gaussian() * chromaNoise;
    }
    data[i * 4] = frame.rgb[i * 3]! * exposure + jitter + cr;
    data[i * 4 + 1] = frame.rgb[i * 3 + 1]! * exposure + jitter + cg;
    data[i * 4 + 2] = frame.rgb[i * 3 + 2]! * exposure + jitter + cb;
    data[i * 4 + 3] = 255;
  }
  return { data, width: frame.width, height: frame.height };
}

/**
 * Where a subject of `width × height` pixels lands: scaled to `displayWidth`, tilted around its horizontal axis and
 * turned around its vertical axis with a pinhole camera of focal length ≈ frame width, rotated in plane, centred at
 * `centre`. Corners TL, TR, BR, BL.
 */
function placeQuad(
  aspect: number,
  displayWidth: number,
  centre: Point,
  rotationDeg: number,
  tiltDeg: number,
  focal: number,
  yawDeg = 0,
): [Point, Point, Point, Point] {
  const hw = displayWidth / 2;
  const hh = displayWidth / aspect / 2;
  const tilt = tiltDeg * DEG;
  const yaw = yawDeg * DEG;
  const rot = rotationDeg * DEG;
  const corners: [number, number][] = [
    [-hw, -hh],
    [hw, -hh],
    [hw, hh],
    [-hw, hh],
  ];
  return corners.map(([X, Y]) => {
    // Top edge (Y < 0) moves away from the camera for positive tilt, the right edge (X > 0) for positive yaw.
    // Depth offsets: positive is farther from the camera.
    const z1 = -Y * Math.sin(tilt);
    const x2 = X * Math.cos(yaw) - z1 * Math.sin(yaw);
    const z2 = X * Math.sin(yaw) + z1 * Math.cos(yaw);
    const depth = focal + z2;
    const px = (x2 * focal) / depth;
    const py = (Y * Math.cos(tilt) * focal) / depth;
    return {
      x: centre.x + px * Math.cos(rot) - py * Math.sin(rot),
      y: centre.y + px * Math.sin(rot) + py * Math.cos(rot),
    };
  }) as [Point, Point, Point, Point];
}

/** Unit-square point (u, v) of a quad: bilinear is enough for where to put a thumb or a shadow. */
function quadPoint(toFrame: Matrix3, u: number, v: number): Point {
  return mapPoint(toFrame, { x: u, y: v });
}

/** Fills `mask` with the coverage (0..1, 1-px soft edge) of a convex polygon. */
function polygonCoverage(mask: Float32Array, width: number, height: number, poly: readonly Point[]): void {
  const xs = poly.map((p) => p.x);
  const ys = poly.map((p) => p.y);
  const x0 = clamp(Math.floor(Math.min(...xs)) - 1, 0, width - 1);
  const x1 = clamp(Math.ceil(Math.max(...xs)) + 1, 0, width - 1);
  const y0 = clamp(Math.floor(Math.min(...ys)) - 1, 0, height - 1);
  const y1 = clamp(Math.ceil(Math.max(...ys)) + 1, 0, height - 1);
  // Signed distance to each edge (positive inside for a clockwise polygon on screen).
  const edges = poly.map((a, k) => {
    const b = poly[(k + 1) % poly.length]!;
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    return { a, nx: -(b.y - a.y) / len, ny: (b.x - a.x) / len };
  });
  const cx = xs.reduce((p, q) => p + q, 0) / xs.length;
  const cy = ys.reduce((p, q) => p + q, 0) / ys.length;
  const sign = edges[0]!.nx * (cx - edges[0]!.a.x) + edges[0]!.ny * (cy - edges[0]!.a.y) >= 0 ? 1 : -1;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let d = Number.POSITIVE_INFINITY;
      for (const e of edges) d = Math.min(d, sign * (e.nx * (x + 0.5 - e.a.x) + e.ny * (y + 0.5 - e.a.y)));
      mask[y * width + x] = Math.max(mask[y * width + x]!, clamp(d + 0.5, 0, 1));
    }
  }
}

/** Box blur of a single-channel float image, `radius` pixels, three passes (close to a Gaussian). */
function blurMask(mask: Float32Array, width: number, height: number, radius: number): void {
  const r = Math.max(1, Math.round(radius));
  const tmp = new Float32Array(mask.length);
  for (let pass = 0; pass < 3; pass++) {
    for (let y = 0; y < height; y++) {
      let acc = 0;
      const row = y * width;
      for (let x = -r; x <= r; x++) acc += mask[row + clamp(x, 0, width - 1)]!;
      for (let x = 0; x < width; x++) {
        tmp[row + x] = acc / (2 * r + 1);
        acc += mask[row + clamp(x + r + 1, 0, width - 1)]! - mask[row + clamp(x - r, 0, width - 1)]!;
      }
    }
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let y = -r; y <= r; y++) acc += tmp[clamp(y, 0, height - 1) * width + x]!;
      for (let y = 0; y < height; y++) {
        mask[y * width + x] = acc / (2 * r + 1);
        acc +=
          tmp[clamp(y + r + 1, 0, height - 1) * width + x]! - tmp[clamp(y - r, 0, height - 1) * width + x]!;
      }
    }
  }
}

/** Darkens the surface under the document's offset silhouette: the thin shadow a card casts on a table. */
function addCastShadow(
  frame: FloatFrame,
  quad: readonly Point[],
  docWidth: number,
  cast: NonNullable<SceneOptions['castShadow']>,
): void {
  const { width, height, rgb } = frame;
  const mask = new Float32Array(width * height);
  const dx = cast.dx * docWidth;
  const dy = cast.dy * docWidth;
  polygonCoverage(
    mask,
    width,
    height,
    quad.map((p) => ({ x: p.x + dx, y: p.y + dy })),
  );
  blurMask(mask, width, height, Math.max(1, (cast.blur * docWidth) / 2));
  const k = clamp(cast.strength, 0, 1);
  for (let i = 0; i < mask.length; i++) {
    const f = 1 - k * mask[i]!;
    rgb[i * 3]! *= f;
    rgb[i * 3 + 1]! *= f;
    rgb[i * 3 + 2]! *= f;
  }
}

/**
 * Thumbs over the document's edges: a rounded skin-toned shape coming in from outside the document, lit from
 * above, with a soft contact shadow on the card.
 */
function addFingers(
  frame: FloatFrame,
  toFrame: Matrix3,
  docAspect: number,
  fingers: readonly SceneFinger[],
  rng: SeededRandom,
): void {
  const { width, height, rgb } = frame;
  for (const finger of fingers) {
    const tone = [
      [224, 172, 140],
      [198, 140, 104],
      [141, 92, 64],
      [92, 60, 42],
    ][rng.int(0, 3)]!;
    const at = clamp(finger.at, 0, 1);
    // Edge point and inward direction in document units (u across the width, v down the height).
    const [u, v, iu, iv] =
      finger.side === 'left'
        ? [0, at, 1, 0]
        : finger.side === 'right'
          ? [1, at, -1, 0]
          : finger.side === 'top'
            ? [at, 0, 0, 1]
            : [at, 1, 0, -1];
    // Reach is a share of the short side; in document units the short side is 1/aspect of the width (u) or 1 (v).
    const reachU = finger.reach / docAspect;
    const reachV = finger.reach;
    const tip = quadPoint(toFrame, u + iu * reachU, v + iv * reachV);
    const edgePoint = quadPoint(toFrame, u, v);
    const back = quadPoint(toFrame, u - iu * reachU * 3, v - iv * reachV * 3);
    const along = { x: tip.x - back.x, y: tip.y - back.y };
    const len = Math.hypot(along.x, along.y) || 1;
    const dir = { x: along.x / len, y: along.y / len };
    // A thumb is about 2 cm wide: a third of an ID-1 card's short side.
    const shortSide = Math.min(
      edgeLength(quadPoint(toFrame, 0, 0), quadPoint(toFrame, 1, 0)),
      edgeLength(quadPoint(toFrame, 0, 0), quadPoint(toFrame, 0, 1)),
    );
    const half = Math.max(0.17 * shortSide, Math.hypot(tip.x - edgePoint.x, tip.y - edgePoint.y) * 0.6);
    const x0 = clamp(Math.floor(Math.min(tip.x, back.x) - half * 2), 0, width - 1);
    const x1 = clamp(Math.ceil(Math.max(tip.x, back.x) + half * 2), 0, width - 1);
    const y0 = clamp(Math.floor(Math.min(tip.y, back.y) - half * 2), 0, height - 1);
    const y1 = clamp(Math.ceil(Math.max(tip.y, back.y) + half * 2), 0, height - 1);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5 - back.x;
        const py = y + 0.5 - back.y;
        // A capsule from `back` to `tip` (rounded tip), radius `half`.
        const t = clamp(px * dir.x + py * dir.y, 0, len - half);
        const ox = px - t * dir.x;
        const oy = py - t * dir.y;
        const d = Math.hypot(ox, oy);
        const i = y * width + x;
        if (d < half + 0.5) {
          const a = clamp(half + 0.5 - d, 0, 1);
          // Rounded shading across the thumb.
          const across = (ox * -dir.y + oy * dir.x) / half;
          const lit = 0.75 + 0.3 * Math.sqrt(Math.max(0, 1 - across * across));
          for (let c = 0; c < 3; c++) rgb[i * 3 + c] = rgb[i * 3 + c]! * (1 - a) + tone[c]! * lit * a;
        } else if (d < half * 1.35) {
          const f = 1 - 0.25 * (1 - (d - half) / (half * 0.35));
          for (let c = 0; c < 3; c++) rgb[i * 3 + c]! *= f;
        }
      }
    }
  }
}

/** Uneven light and a soft shadow over the whole frame (multiplicative, before exposure and noise). */
function applyLighting(
  frame: FloatFrame,
  centre: Point,
  docWidth: number,
  light: SceneOptions['light'],
  shadow: SceneOptions['shadow'],
): void {
  const { width, height, rgb } = frame;
  const la = (light?.angleDeg ?? 0) * DEG;
  const lx = Math.cos(la);
  const ly = Math.sin(la);
  const span = Math.abs(lx) * width + Math.abs(ly) * height || 1;
  const sa = (shadow?.angleDeg ?? 0) * DEG;
  const sx = Math.cos(sa);
  const sy = Math.sin(sa);
  const soft = Math.max(1, (shadow?.softness ?? 0) * docWidth);
  const edge = (shadow?.offset ?? 0) * docWidth;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let f = 1;
      if (light) {
        const t = ((x + 0.5 - width / 2) * lx + (y + 0.5 - height / 2) * ly) / (span / 2);
        f *= 1 + light.strength * clamp(t, -1, 1);
      }
      if (shadow) {
        const d = (x + 0.5 - centre.x) * sx + (y + 0.5 - centre.y) * sy - edge;
        f *= 1 - clamp(shadow.strength, 0, 1) * smoothstep(clamp(d / soft + 0.5, 0, 1));
      }
      const i = y * width + x;
      rgb[i * 3]! *= f;
      rgb[i * 3 + 1]! *= f;
      rgb[i * 3 + 2]! *= f;
    }
  }
}

/** Mean luma of a float frame and the level only 0.3 % of it exceeds. */
function lumaStats(frame: FloatFrame): { mean: number; high: number } {
  const hist = new Uint32Array(256);
  const n = frame.width * frame.height;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const y = 0.299 * frame.rgb[i * 3]! + 0.587 * frame.rgb[i * 3 + 1]! + 0.114 * frame.rgb[i * 3 + 2]!;
    sum += y;
    hist[clamp(Math.round(y), 0, 255)]!++;
  }
  let above = 0;
  let high = 255;
  for (let v = 255; v >= 0; v--) {
    above += hist[v]!;
    if (above > 0.003 * n) {
      high = v;
      break;
    }
  }
  return { mean: sum / n, high: Math.max(1, high) };
}

/**
 * Where the document's corners land in the frame for `opts` (TL, TR, BR, BL), without drawing anything: for
 * generators that must keep a document inside the frame. `aspect` is the document's (or its `documentRect`'s)
 * width / height.
 */
export function sceneQuad(aspect: number, opts: SceneOptions = {}): [Point, Point, Point, Point] {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  return placeQuad(
    aspect,
    (opts.scale ?? 0.7) * width,
    { x: (opts.centerX ?? 0.5) * width, y: (opts.centerY ?? 0.5) * height },
    opts.rotationDeg ?? 0,
    opts.tiltDeg ?? 0,
    width,
    opts.yawDeg ?? 0,
  );
}

/**
 * A camera frame showing `doc` (e.g. from idCardFront) with known corners.
 * `quad` is where the document's corners are in the frame (TL, TR, BR, BL, frame pixels); for cards with rounded
 * corners it is the corner of the card's bounding rectangle, and with `documentRect` the corners of that part of
 * the subject. Treat `doc` as immutable: its premultiplied pixels are cached per object so that many scenes of one
 * document stay cheap.
 */
export function renderScene(
  doc: RgbaImage,
  opts: SceneOptions = {},
): { image: RgbaImage; quad: [Point, Point, Point, Point] } {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const seed = opts.seed ?? DEFAULT_SEED;
  const frame = renderBackground(width, height, opts.background ?? 'desk', seed, opts.backgroundColor);
  const centre = { x: (opts.centerX ?? 0.5) * width, y: (opts.centerY ?? 0.5) * height };
  // With a documentRect, `scale` and `center` place that part; the rest of the subject extends from it.
  const rect = opts.documentRect ?? { x: 0, y: 0, width: doc.width, height: doc.height };
  const docWidth = (opts.scale ?? 0.7) * width;
  const rectQuad = placeQuad(
    rect.width / rect.height,
    docWidth,
    centre,
    opts.rotationDeg ?? 0,
    opts.tiltDeg ?? 0,
    width,
    opts.yawDeg ?? 0,
  );
  const rectToFrame: Matrix3 = homographyFromQuads(
    [
      { x: rect.x, y: rect.y },
      { x: rect.x + rect.width, y: rect.y },
      { x: rect.x + rect.width, y: rect.y + rect.height },
      { x: rect.x, y: rect.y + rect.height },
    ],
    rectQuad,
  );
  const subjectQuad = opts.documentRect
    ? ([
        mapPoint(rectToFrame, { x: 0, y: 0 }),
        mapPoint(rectToFrame, { x: doc.width, y: 0 }),
        mapPoint(rectToFrame, { x: doc.width, y: doc.height }),
        mapPoint(rectToFrame, { x: 0, y: doc.height }),
      ] as [Point, Point, Point, Point])
    : rectQuad;
  if (opts.castShadow) addCastShadow(frame, subjectQuad, docWidth, opts.castShadow);
  const coverage = warpOnto(frame, doc, subjectQuad);
  const toFrame = homographyFromQuads(
    [
      { x: 0, y: 0 },
      { x: 1, y: 0 },
      { x: 1, y: 1 },
      { x: 0, y: 1 },
    ],
    rectQuad,
  );
  if (opts.fingers?.length) {
    addFingers(frame, toFrame, rect.width / rect.height, opts.fingers, randomFor(seed, 'fingers'));
  }
  if (opts.light || opts.shadow) applyLighting(frame, centre, docWidth, opts.light, opts.shadow);
  let exposure = opts.exposure ?? 1;
  if (opts.autoExposure) {
    // Metered on the diffuse scene: a camera lets a small specular highlight clip.
    const { mean, high } = lumaStats(frame);
    let gain = clamp(118 / Math.max(1, mean), 0.7, 1.6);
    if (high * gain > 240) gain = 240 / high;
    exposure *= gain;
  }
  if (opts.glare && opts.glare.intensity > 0) {
    const { x, y, radius, intensity } = opts.glare;
    const c = mapPoint(toFrame, { x, y });
    // Radius is a fraction of the document width; measure it along the document's top edge direction.
    const r = edgeLength(c, mapPoint(toFrame, { x: x + radius, y }));
    let streak: { length: number; dir: Point } | undefined;
    if (opts.glare.shape === 'streak') {
      const a = (opts.glare.angleDeg ?? 0) * DEG;
      const l = opts.glare.length ?? 0.6;
      const end = mapPoint(toFrame, {
        x: x + Math.cos(a) * l,
        y: y + Math.sin(a) * l * (rect.width / rect.height),
      });
      const length = edgeLength(c, end);
      streak = { length: 2 * length, dir: { x: (end.x - c.x) / length, y: (end.y - c.y) / length } };
    }
    addGlare(frame, coverage, c, r, intensity, streak);
  }
  gaussianBlur(frame, opts.blurSigma ?? 0);
  motionBlur(frame, opts.motionBlurPx ?? 0, opts.motionAngleDeg ?? 0);
  const image = finish(
    frame,
    exposure,
    opts.noise ?? 2,
    randomFor(seed, 'sensor'),
    opts.chromaNoise ?? 0,
    randomFor(seed, 'sensor-colour'),
  );
  return { image, quad: rectQuad };
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

/**
 * A document lying on a desk, photographed at 1600 × 1200 and stored as JPEG, like a still a user uploads: what the
 * server-side verification tests and benches feed the pipeline.
 */
export function photographDocument(doc: RgbaImage, opts: { seed: number; rotationDeg?: number }): Buffer {
  const { image } = renderScene(doc, {
    width: 1600,
    height: 1200,
    scale: 0.72,
    rotationDeg: opts.rotationDeg ?? 3,
    background: 'desk',
    seed: opts.seed,
  });
  return encodeJpeg(image, 0.9);
}
