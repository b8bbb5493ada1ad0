/**
 * How a document is photographed, drawn at random for the accuracy sets: a hand-held placement (position, size,
 * in-plane rotation up to ±15°, mild perspective), the surface it lies on (dark to light, plain to busy, sometimes
 * the card's own colour at the same brightness), uneven light, a shadow, the card's cast shadow, thumbs over an edge,
 * sensor noise, slight softness and JPEG compression — and, for a defect label, the one defect on top at a severity
 * clearly beyond its threshold in src/analysis/document-thresholds.ts (a miss is a detection failure, not a coin toss
 * on the boundary). Used by scripts/make-accuracy-set.ts (our designs) and bench/accuracy-real.ts (real specimens).
 */
import type { RgbaImage } from './rgba-image.js';
import type { SeededRandom } from './random.js';
import {
  SCENE_BACKGROUNDS,
  type SceneBackground,
  type SceneFinger,
  type SceneOptions,
  sceneQuad,
} from './scene.js';

/** Labels of the document accuracy sets: `clean`, or the reason code the frame must be refused with. */
export type ConditionLabel =
  | 'clean'
  | 'BLURRY'
  | 'GLARE'
  | 'TOO_DARK'
  | 'TOO_BRIGHT'
  | 'DOCUMENT_CUT_OFF'
  | 'DOCUMENT_TOO_FAR'
  | 'DOCUMENT_TOO_CLOSE'
  | 'TILTED'
  | 'NO_DOCUMENT';

export const CONDITION_LABELS: readonly ConditionLabel[] = [
  'clean',
  'BLURRY',
  'GLARE',
  'TOO_DARK',
  'TOO_BRIGHT',
  'DOCUMENT_CUT_OFF',
  'DOCUMENT_TOO_FAR',
  'DOCUMENT_TOO_CLOSE',
  'TILTED',
  'NO_DOCUMENT',
];

export interface CaptureConditions {
  scene: SceneOptions;
  /** JPEG quality (0..100) the frame is compressed at before the checks see it, like a camera pipeline. */
  jpegQuality: number;
  /** The conditions in words, for reading a miss. */
  notes: string[];
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Mean colour of the outer ring of a document image (its edge, where it meets the surface). */
export function edgeColor(doc: RgbaImage): [number, number, number] {
  const { data, width, height } = doc;
  const ring = Math.max(2, Math.round(Math.min(width, height) * 0.03));
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x >= ring && x < width - ring && y >= ring && y < height - ring) continue;
      const i = (y * width + x) * 4;
      if (data[i + 3]! < 200) continue;
      sum[0] += data[i]!;
      sum[1] += data[i + 1]!;
      sum[2] += data[i + 2]!;
      n++;
    }
  }
  return n ? (sum.map((s) => s / n) as [number, number, number]) : [200, 200, 200];
}

/**
 * A surface colour as bright as `c` (BT.601 luma) but of another hue: the card stands out by colour alone, the
 * case the luma-only edge search could not see.
 */
export function isoluminantColor(c: [number, number, number], rng: SeededRandom): [number, number, number] {
  const y = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
  for (let tries = 0; tries < 20; tries++) {
    const hue = rng.range(0, 6.283);
    const chroma = rng.range(25, 55);
    // A colour offset with zero luma: along two luma-free directions in RGB.
    const a = [1, -0.299 / 0.587, 0];
    const b = [0, -0.114 / 0.587, 1];
    const out = [0, 1, 2].map((k) => y + chroma * (Math.cos(hue) * a[k]! + Math.sin(hue) * b[k]!));
    const dist = Math.hypot(out[0]! - c[0], out[1]! - c[1], out[2]! - c[2]);
    if (out.every((v) => v >= 5 && v <= 250) && dist > 30) return out as [number, number, number];
  }
  return [Math.min(250, y + 20), y, Math.max(5, y - 20)];
}

function pickBackground(rng: SeededRandom): SceneBackground {
  return rng.pick(SCENE_BACKGROUNDS);
}

/**
 * The hand-held placement every label starts from, accepted as it is: card fully in frame at a usable size, rotated
 * in plane up to ±15°, perspective up to ~12°, in realistic light.
 */
function cleanScene(
  rng: SeededRandom,
  seed: number,
  doc: RgbaImage | undefined,
  notes: string[],
): SceneOptions {
  const scene: SceneOptions = {
    autoExposure: true,
    seed,
    background: pickBackground(rng),
    centerX: round3(0.5 + rng.range(-0.06, 0.06)),
    centerY: round3(0.5 + rng.range(-0.06, 0.06)),
    scale: round3(rng.range(0.58, 0.84)),
    rotationDeg: round3(rng.range(-15, 15)),
    tiltDeg: round3(rng.range(-10, 10)),
    yawDeg: round3(rng.range(-8, 8)),
    noise: round3(rng.range(1.5, 4.5)),
    chromaNoise: round3(rng.range(0, 2.5)),
    blurSigma: round3(rng.range(0, 0.6)),
    exposure: round3(rng.range(0.92, 1.06)),
  };
  notes.push(String(scene.background));
  if (doc && rng.next() < 0.2) {
    // The surface matches the card's edge in brightness: only colour tells them apart.
    scene.background = rng.pick(['plain', 'fabric', 'paper'] as const);
    scene.backgroundColor = isoluminantColor(edgeColor(doc), rng).map(round3) as [number, number, number];
    notes.push('isoluminant');
  }
  if (rng.next() < 0.5) {
    scene.light = { angleDeg: round3(rng.range(0, 360)), strength: round3(rng.range(0.08, 0.25)) };
    notes.push('uneven-light');
  }
  if (rng.next() < 0.25) {
    scene.shadow = {
      angleDeg: round3(rng.range(0, 360)),
      offset: round3(rng.range(0.1, 0.5)),
      strength: round3(rng.range(0.2, 0.4)),
      softness: round3(rng.range(0.05, 0.3)),
    };
    notes.push('shadow');
  }
  if (rng.next() < 0.4) {
    const a = rng.range(0, 6.283);
    scene.castShadow = {
      dx: round3(Math.cos(a) * rng.range(0.005, 0.02)),
      dy: round3(Math.sin(a) * rng.range(0.005, 0.02)),
      blur: round3(rng.range(0.01, 0.04)),
      strength: round3(rng.range(0.2, 0.5)),
    };
    notes.push('cast-shadow');
  }
  if (rng.next() < 0.25) {
    const fingers: SceneFinger[] = [];
    const count = rng.next() < 0.7 ? 1 : 2;
    for (let k = 0; k < count; k++) {
      fingers.push({
        side: rng.pick(['left', 'right', 'top', 'bottom'] as const),
        at: round3(rng.range(0.2, 0.8)),
        reach: round3(rng.range(0.05, 0.11)),
      });
    }
    scene.fingers = fingers;
    notes.push('fingers');
  }
  return scene;
}

/**
 * Moves and shrinks the document until its corners are at least `margin` (share of the frame's shorter side)
 * inside the frame: a hand-held clean frame shows the whole card with some room round it.
 */
function keepInFrame(scene: SceneOptions, aspect: number, margin: number): void {
  for (let k = 0; k < 40; k++) {
    const quad = sceneQuad(aspect, scene);
    const m = margin * 480;
    if (quad.every((p) => p.x >= m && p.x <= 640 - m && p.y >= m && p.y <= 480 - m)) return;
    scene.scale = round3(scene.scale! * 0.96);
    scene.centerX = round3(0.5 + (scene.centerX! - 0.5) * 0.8);
    scene.centerY = round3(0.5 + (scene.centerY! - 0.5) * 0.8);
  }
}

/**
 * Conditions for one frame of `label`, for a document of `aspect` (width / height of the part whose corners are
 * reported). `doc` (the document image) lets the isoluminant surface match its edge; the random stream decides
 * everything else.
 */
export function captureConditions(
  label: ConditionLabel,
  rng: SeededRandom,
  seed: number,
  aspect: number,
  doc?: RgbaImage,
): CaptureConditions {
  const notes: string[] = [];
  const scene = cleanScene(rng, seed, doc, notes);
  keepInFrame(scene, aspect, 0.03);
  const jpegQuality = Math.round(rng.range(60, 95));
  switch (label) {
    case 'clean':
      break;
    case 'BLURRY':
      if (rng.next() < 0.5) {
        scene.blurSigma = round3(rng.range(2.3, 4));
        notes.push(`defocus σ ${scene.blurSigma}`);
      } else {
        scene.motionBlurPx = round3(rng.range(12, 22));
        scene.motionAngleDeg = round3(rng.range(0, 180));
        notes.push(`motion ${scene.motionBlurPx} px`);
      }
      break;
    case 'GLARE': {
      const streak = rng.next() < 0.4;
      scene.glare = {
        x: round3(rng.range(0.25, 0.75)),
        y: round3(rng.range(0.25, 0.7)),
        radius: round3(streak ? rng.range(0.05, 0.08) : rng.range(0.09, 0.15)),
        intensity: 1,
        ...(streak
          ? {
              shape: 'streak' as const,
              length: round3(rng.range(0.2, 0.45)),
              angleDeg: round3(rng.range(0, 180)),
            }
          : {}),
      };
      notes.push(streak ? 'glare streak' : 'glare spot');
      break;
    }
    case 'TOO_DARK':
      // A quarter to a third of what the camera's metering would give.
      scene.exposure = round3(rng.range(0.25, 0.36));
      break;
    case 'TOO_BRIGHT':
      // Two to two and a half times what the camera's metering would give.
      scene.exposure = round3(rng.range(2, 2.5));
      break;
    case 'DOCUMENT_CUT_OFF': {
      // 15–35 % of the card's width (or height) outside one side of the frame.
      scene.scale = round3(rng.range(0.55, 0.7));
      scene.rotationDeg = round3(rng.range(-6, 6));
      delete scene.fingers;
      const side = rng.int(0, 3);
      const out = rng.range(0.15, 0.35);
      const w = scene.scale;
      const h = (scene.scale * 640) / aspect / 480;
      if (side === 0) scene.centerX = round3(w * (0.5 - out));
      if (side === 1) scene.centerX = round3(1 - w * (0.5 - out));
      if (side === 2) scene.centerY = round3(h * (0.5 - out));
      if (side === 3) scene.centerY = round3(1 - h * (0.5 - out));
      notes.push(`cut ${['left', 'right', 'top', 'bottom'][side]} ${Math.round(out * 100)}%`);
      break;
    }
    case 'DOCUMENT_TOO_FAR':
      // Fill ≤ 0.12 of the frame, against a floor of 0.2.
      scene.scale = round3(rng.range(0.22, 0.36) * Math.sqrt(aspect / 1.586));
      scene.centerX = round3(rng.range(0.35, 0.65));
      scene.centerY = round3(rng.range(0.35, 0.65));
      break;
    case 'DOCUMENT_TOO_CLOSE':
      // Wider than the frame, with its top and bottom edges still in view (else no outline is left to judge).
      scene.scale = round3(rng.range(0.98, Math.max(0.99, Math.min(1.12, (0.95 * 480 * aspect) / 640))));
      scene.centerX = 0.5;
      scene.centerY = 0.5;
      scene.rotationDeg = round3(rng.range(-3, 3));
      scene.tiltDeg = 0;
      scene.yawDeg = 0;
      delete scene.fingers;
      break;
    case 'TILTED': {
      // Keystone: 35–45° away from the camera, about the horizontal axis, the vertical one, or both.
      const total = rng.range(35, 45);
      const split = rng.next();
      const mix = split < 0.4 ? 0 : split < 0.8 ? 1 : rng.range(0.3, 0.7);
      scene.tiltDeg = round3(total * Math.cos((mix * Math.PI) / 2) * (rng.next() < 0.5 ? -1 : 1));
      scene.yawDeg = round3(total * Math.sin((mix * Math.PI) / 2) * (rng.next() < 0.5 ? -1 : 1));
      scene.scale = round3(rng.range(0.58, 0.7));
      scene.centerX = 0.5;
      scene.centerY = 0.5;
      // The near edge grows with the tilt: keep the whole card in view, the tilt is the only defect.
      keepInFrame(scene, aspect, 0.03);
      notes.push(`tilt ${scene.tiltDeg} yaw ${scene.yawDeg}`);
      break;
    }
    case 'NO_DOCUMENT':
      scene.centerX = 10;
      scene.centerY = 10;
      delete scene.castShadow;
      delete scene.fingers;
      break;
  }
  return { scene, jpegQuality, notes };
}
