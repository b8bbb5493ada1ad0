/**
 * `tsx scripts/make-accuracy-set.ts [--force]`: the labelled accuracy set of the on-device checks, written to
 * test/fixtures/generated/accuracy/ from our seeded generator (test/support/specimens):
 *
 *   documents/*.jpg   realistic camera frames of our document designs (test/support/specimens/designs.ts: ID-1
 *                     fronts and backs, barcode-dominated licence backs, ID-2 cards, passport pages alone and with
 *                     the opposite page, visas) under drawn hand-held conditions (capture-conditions.ts: surfaces
 *                     from dark to white and busy, colour-only contrast, rotation ±15°, mild perspective, uneven
 *                     light, shadows, thumbs, noise, JPEG), each clean or with one defect beyond its threshold
 *                     (blur, motion blur, glare spot or streak, exposure, cut off, far, close, tilt) or no document
 *   faces/*.png       the astronaut portrait placed clean, cropped (too close), shifted, scaled down, darkened,
 *                     blurred; group photos from @vladmandic/face-api's demo images (several faces); empty frames
 *   barcodes/*.png    US licence backs whose PDF417 must decode (rotated, tilted, near, far) or must not (blurred)
 *   labels.json       every file with its label, source, scene options, true quad and (barcodes) expected payload
 *
 * Deterministic (same inputs → same bytes) and skipped when `accuracy/.stamp` matches the inputs. Read by
 * test/browser/accuracy.test.ts, test/browser/capture/barcode.test.ts and bench/accuracy.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { FaceIssue } from '../src/analysis/types.js';
import {
  ASTRONAUT_PATH,
  aamvaPayload,
  type FaceSceneOptions,
  idCardBack,
  loadImage,
  type Point,
  type RgbaImage,
  renderFaceScene,
  renderScene,
  type SceneBackground,
  type SceneOptions,
  SeededRandom,
} from '../test/support/specimens/index.js';
import type { ConditionLabel } from '../test/support/specimens/capture-conditions.js';
import {
  designedSources,
  documentFrames,
  type LabelPlan,
} from '../test/support/specimens/document-samples.js';
import { resolveHolder } from '../test/support/specimens/holder.js';

const ROOT = join(import.meta.dirname, '..');
export const ACCURACY_DIR = join(ROOT, 'test/fixtures/generated/accuracy');
export const ACCURACY_LABELS = join(ACCURACY_DIR, 'labels.json');
const STAMP = join(ACCURACY_DIR, '.stamp');
/** Bump when the set's recipe changes in a way the stamp cannot see. */
const RECIPE_VERSION = 2;

export type DocumentLabel = ConditionLabel;
export type FaceLabel = 'clean' | FaceIssue;

export interface DocumentSample {
  file: string;
  label: DocumentLabel;
  /** The design and its drawn features (designs.ts). */
  source: string;
  kind: 'id1' | 'passport';
  side: 'front' | 'back';
  options: SceneOptions;
  /** JPEG quality the frame was compressed at. */
  jpegQuality: number;
  /** The drawn conditions in words (surface, light, thumbs, the defect). */
  notes: string[];
  /** True corners (TL, TR, BR, BL) in frame pixels; absent for frames without a document. */
  quad?: Point[];
}

export interface FaceSample {
  file: string;
  label: FaceLabel;
  source: string;
  options: FaceSceneOptions;
}

export interface BarcodeSample {
  file: string;
  /** `decoded`: the PDF417 must decode to `payload`; `BARCODE_UNREADABLE`: it must not. */
  label: 'decoded' | 'BARCODE_UNREADABLE';
  options: SceneOptions;
  quad: Point[];
  /** The AAMVA text the barcode carries (invented specimen data). */
  payload: string;
}

export interface AccuracyLabels {
  version: number;
  documents: DocumentSample[];
  faces: FaceSample[];
  barcodes: BarcodeSample[];
}

const BACKGROUNDS: SceneBackground[] = ['desk', 'wood', 'noise', 'plain'];
/**
 * face-api demo group photos, each with the point between two neighbouring heads (fractions of the photo, read off
 * the images by eye). sample2.jpg is left out: its faces are in profile or looking down, which is a pose problem
 * (FACE_NOT_FRONTAL), not a fair "several people in the selfie" sample for a frontal face detector.
 */
const GROUP_PHOTOS: Array<[string, number, number]> = [
  ['sample1.jpg', 0.39, 0.25],
  ['sample3.jpg', 0.72, 0.26],
  ['sample4.jpg', 0.47, 0.25],
  ['sample5.jpg', 0.45, 0.28],
  ['sample6.jpg', 0.5, 0.19],
];
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The document part: every design drawn with these seeds (4 × 7 designs), three clean frames and one of each defect
 * per document: 84 clean frames and 28 of each defect, enough to tell 97 % from 93 % and 90 % from 80 %. The bench
 * (bench/accuracy-real.ts) draws a larger set from other seeds and adds the real specimens.
 */
const DOCUMENT_SEEDS = [1001, 1002, 1003, 1004];
const DOCUMENT_PLAN: LabelPlan = {
  clean: 3,
  BLURRY: 1,
  GLARE: 1,
  TOO_DARK: 1,
  TOO_BRIGHT: 1,
  DOCUMENT_CUT_OFF: 1,
  DOCUMENT_TOO_FAR: 1,
  DOCUMENT_TOO_CLOSE: 1,
  TILTED: 1,
  NO_DOCUMENT: 1,
};

/** Where the astronaut's face sits in the 512² photo (fractions), measured once by eye on the image. */
const ASTRONAUT_FACE = { x: 0.43, y: 0.23 };

/** renderFaceScene centre that puts the astronaut's face at (fx, fy) of a 640×480 frame for a photo scale. */
function astronautAt(scale: number, fx = 0.5, fy = 0.5): { centerX: number; centerY: number } {
  const photo = 640 * scale;
  return {
    centerX: round3(fx + ((0.5 - ASTRONAUT_FACE.x) * photo) / 640),
    centerY: round3(fy + ((0.5 - ASTRONAUT_FACE.y) * photo) / 480),
  };
}

const FACE_VARIANTS: Array<{
  label: FaceLabel;
  count: number;
  variant: (r: SeededRandom, k: number) => FaceSceneOptions;
}> = [
  {
    label: 'clean',
    count: 12,
    variant: (r) => {
      const scale = round3(1.45 + r.next() * 0.5);
      return {
        scale,
        ...astronautAt(scale, 0.5 + (r.next() - 0.5) * 0.1, 0.45 + (r.next() - 0.5) * 0.1),
        rotationDeg: round3((r.next() - 0.5) * 8),
        exposure: round3(0.9 + r.next() * 0.25),
      };
    },
  },
  {
    label: 'FACE_TOO_SMALL',
    count: 6,
    variant: (r) => {
      const scale = round3(0.75 + r.next() * 0.2);
      return { scale, ...astronautAt(scale) };
    },
  },
  {
    label: 'FACE_TOO_CLOSE',
    count: 6,
    variant: (r) => {
      const scale = round3(3.7 + r.next() * 0.3);
      return { scale, ...astronautAt(scale) };
    },
  },
  {
    label: 'FACE_NOT_CENTERED',
    count: 6,
    variant: (r, k) => {
      const scale = round3(1.5 + r.next() * 0.2);
      return { scale, ...astronautAt(scale, k % 2 ? 0.2 : 0.8, 0.45) };
    },
  },
  {
    label: 'TOO_DARK',
    count: 6,
    variant: (r) => {
      const scale = round3(1.5 + r.next() * 0.3);
      return { scale, ...astronautAt(scale), exposure: round3(0.18 + r.next() * 0.08) };
    },
  },
  {
    label: 'BLURRY',
    count: 6,
    variant: (r) => {
      const scale = round3(1.5 + r.next() * 0.3);
      return { scale, ...astronautAt(scale), blurSigma: round3(6 + r.next() * 2) };
    },
  },
];

/** Hash of everything the outputs depend on. */
function inputsStamp(): string {
  const hash = createHash('sha256').update(String(RECIPE_VERSION));
  const specimens = join(ROOT, 'test/support/specimens');
  const files = [
    ...readdirSync(specimens)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(specimens, f)),
    join(ROOT, 'scripts/make-accuracy-set.ts'),
    ASTRONAUT_PATH,
    ...GROUP_PHOTOS.map(([name]) => groupPhotoPath(name)),
  ];
  for (const f of files) hash.update(f).update(readFileSync(f));
  return hash.digest('hex');
}

function groupPhotoPath(name: string): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', name);
}

/**
 * Opaque RGB PNG through sharp (libvips): ~5× faster than the generator's Skia encoder at a similar size, which
 * keeps the whole set within its time budget.
 */
async function writePng(path: string, image: RgbaImage): Promise<void> {
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  })
    .removeAlpha()
    .png({ compressionLevel: 3, adaptiveFiltering: true })
    .toBuffer();
  writeAtomic(path, png);
}

function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

async function makeDocuments(out: string): Promise<DocumentSample[]> {
  const samples: DocumentSample[] = [];
  const sources = await designedSources(DOCUMENT_SEEDS);
  for await (const frame of documentFrames(sources, DOCUMENT_PLAN, 10_000)) {
    const design = frame.source.split('#')[0]!;
    const file = `documents/${String(samples.length).padStart(3, '0')}-${design}-${frame.label.toLowerCase()}.jpg`;
    writeAtomic(join(out, file), frame.jpeg);
    samples.push({
      file,
      label: frame.label,
      source: frame.source,
      kind: frame.kind,
      side: frame.side,
      options: frame.conditions.scene,
      jpegQuality: frame.conditions.jpegQuality,
      notes: frame.conditions.notes,
      quad: frame.quad?.map((p) => ({ x: round3(p.x), y: round3(p.y) })),
    });
  }
  return samples;
}

async function makeFaces(out: string): Promise<FaceSample[]> {
  const samples: FaceSample[] = [];
  const add = async (photo: RgbaImage, source: string, label: FaceLabel, options: FaceSceneOptions) => {
    const file = `faces/${String(samples.length).padStart(3, '0')}-${label.toLowerCase()}.png`;
    await writePng(join(out, file), renderFaceScene(photo, options));
    samples.push({ file, label, source, options });
  };
  const astronaut = await loadImage(ASTRONAUT_PATH);
  let seed = 2000;
  for (const v of FACE_VARIANTS) {
    for (let k = 0; k < v.count; k++) {
      const s = seed++;
      const rand = new SeededRandom(s);
      await add(astronaut, 'astronaut.png', v.label, {
        seed: s,
        background: BACKGROUNDS[s % BACKGROUNDS.length],
        ...v.variant(rand, k),
      });
    }
  }
  // Group photos, zoomed so that two neighbours' heads are selfie-sized: the point between them (fractions of the
  // photo, read off the images by eye) goes to the frame centre.
  for (const [name, px, py] of GROUP_PHOTOS) {
    const photo = await loadImage(groupPhotoPath(name));
    for (const scale of [1.7, 2.0, 2.3]) {
      const s = seed++;
      const photoHeight = (640 * scale * photo.height) / photo.width;
      await add(photo, `@vladmandic/face-api/demo/${name}`, 'MULTIPLE_FACES', {
        seed: s,
        scale,
        centerX: round3(0.5 + (0.5 - px) * scale),
        centerY: round3(0.5 + ((0.5 - py) * photoHeight) / 480),
      });
    }
  }
  // Nobody in frame: the photo placed far outside.
  for (let k = 0; k < 4; k++) {
    const s = seed++;
    await add(astronaut, 'astronaut.png', 'NO_FACE', {
      seed: s,
      background: BACKGROUNDS[s % BACKGROUNDS.length],
      centerX: 10,
      centerY: 10,
    });
  }
  return samples;
}

async function makeBarcodes(out: string): Promise<BarcodeSample[]> {
  const samples: BarcodeSample[] = [];
  const holders = [1, 2].map((seed) => ({
    seed,
    holder: resolveHolder(seed, { issuingState: 'USA', nationality: 'USA' }),
  }));
  const backs = await Promise.all(
    holders.map(async ({ seed, holder }) => ({
      image: await idCardBack({ seed, holder, kind: 'us-dl' }),
      holder,
    })),
  );
  const variants: Array<{ label: BarcodeSample['label']; options: SceneOptions }> = [
    { label: 'decoded', options: { scale: 0.85 } },
    { label: 'decoded', options: { scale: 0.8, rotationDeg: 8 } },
    { label: 'decoded', options: { scale: 0.75, rotationDeg: -6, tiltDeg: 20 } },
    { label: 'decoded', options: { scale: 0.9, rotationDeg: 3, tiltDeg: 10, background: 'wood' } },
    { label: 'BARCODE_UNREADABLE', options: { scale: 0.85, blurSigma: 3 } },
    { label: 'BARCODE_UNREADABLE', options: { scale: 0.8, rotationDeg: 5, motionBlurPx: 14 } },
    {
      label: 'BARCODE_UNREADABLE',
      options: { scale: 0.85, glare: { x: 0.5, y: 0.55, radius: 0.3, intensity: 1 } },
    },
  ];
  let seed = 3000;
  for (const [i, back] of backs.entries()) {
    for (const v of variants) {
      const options: SceneOptions = { seed: seed++, ...v.options };
      const { image, quad } = renderScene(back.image, options);
      const file = `barcodes/${String(samples.length).padStart(3, '0')}-h${i + 1}-${v.label.toLowerCase()}.png`;
      await writePng(join(out, file), image);
      samples.push({
        file,
        label: v.label,
        options,
        quad: quad.map((p) => ({ x: round3(p.x), y: round3(p.y) })),
        payload: aamvaPayload(back.holder),
      });
    }
  }
  return samples;
}

/** Generates the set unless the stamp says it is current. */
export async function makeAccuracySet(
  options: { force?: boolean; log?: (line: string) => void } = {},
): Promise<{ generated: boolean; dir: string }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const stamp = inputsStamp();
  if (
    !options.force &&
    existsSync(STAMP) &&
    existsSync(ACCURACY_LABELS) &&
    readFileSync(STAMP, 'utf8') === stamp
  ) {
    log('accuracy set: up to date');
    return { generated: false, dir: ACCURACY_DIR };
  }
  const started = Date.now();
  rmSync(ACCURACY_DIR, { recursive: true, force: true });
  for (const sub of ['documents', 'faces', 'barcodes'])
    mkdirSync(join(ACCURACY_DIR, sub), { recursive: true });
  const timed = async <T>(part: string, make: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const made = await make();
    log(`accuracy set: ${part} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return made;
  };
  const labels: AccuracyLabels = {
    version: RECIPE_VERSION,
    documents: await timed('documents', () => makeDocuments(ACCURACY_DIR)),
    faces: await timed('faces', () => makeFaces(ACCURACY_DIR)),
    barcodes: await timed('barcodes', () => makeBarcodes(ACCURACY_DIR)),
  };
  writeAtomic(ACCURACY_LABELS, `${JSON.stringify(labels, null, 1)}\n`);
  writeAtomic(STAMP, stamp);
  const n = labels.documents.length + labels.faces.length + labels.barcodes.length;
  log(`accuracy set: ${n} images in ${ACCURACY_DIR} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return { generated: true, dir: ACCURACY_DIR };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await makeAccuracySet({ force: process.argv.includes('--force') });
}
