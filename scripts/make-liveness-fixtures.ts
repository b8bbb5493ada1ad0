/**
 * `tsx scripts/make-liveness-fixtures.ts [--force]`: head-pose frames for liveness (issue #6), written to
 * test/fixtures/generated/liveness/ (gitignored). Two people, each framed as a 640 × 480 selfie and turned in 3D
 * by texture-mapping the frame onto its own face mesh (test/support/specimens/head-pose.ts), so the real face
 * models (MediaPipe in the widget, face-api + human on the server) see each liveness action happen.
 *
 *   <person>-<pose>.jpg            the action done (100 %), ≤ 80 KB like the widget's uploads
 *   <person>-<pose>-<25|50|75>.jpg on the way there, for a smooth scripted camera
 *   manifest.json                  every file with its person, pose, percent and the render parameters
 *
 * People: `astronaut` (test/fixtures/astronaut.png) and `other` (a face cropped from @vladmandic/face-api's demo
 * group photo sample3.jpg). The face mesh that drives the warp comes from the server's own analyzer (human), run
 * once on each neutral frame. Deterministic; skipped when every file exists (`--force` regenerates).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { analyzeFacesInThisThread } from '../src/server/faces/face-analyzer.js';
import { buildHeadModel, type HeadPoseParams, renderHeadPose } from '../test/support/specimens/head-pose.js';
import {
  ASTRONAUT_PATH,
  encodeJpeg,
  encodePng,
  type FaceSceneOptions,
  loadImage,
  type RgbaImage,
  renderFaceScene,
} from '../test/support/specimens/index.js';

export const LIVENESS_FIXTURES_DIR = join(import.meta.dirname, '..', 'test/fixtures/generated/liveness');
export const LIVENESS_MANIFEST = join(LIVENESS_FIXTURES_DIR, 'manifest.json');
/** Bump when the recipe changes in a way {@link recipeHash} cannot see (a model or dependency update). */
const RECIPE_VERSION = 2;

export const LIVENESS_PEOPLE = ['astronaut', 'other'] as const;
export type LivenessPerson = (typeof LIVENESS_PEOPLE)[number];

/**
 * Poses at 100 %. The five actions are those of the server's challenges (DESIGN.md §5); `sway-a`/`sway-b` are the
 * neutral face with a little natural motion, for the passive burst.
 */
export const LIVENESS_POSE_PARAMS = {
  neutral: {},
  'turn-left': { yaw: 30 },
  'turn-right': { yaw: -30 },
  'look-up': { pitch: 22 },
  'move-closer': { scale: 1.4 },
  blink: { eyesClosed: 1 },
  'sway-a': { yaw: 2, shiftX: 3, shiftY: -1 },
  'sway-b': { yaw: -2, shiftX: -3, shiftY: 1 },
} as const satisfies Record<string, HeadPoseParams>;
export type LivenessPose = keyof typeof LIVENESS_POSE_PARAMS;
export const LIVENESS_POSES = Object.keys(LIVENESS_POSE_PARAMS) as LivenessPose[];
/** Poses that also get frames part of the way (25 / 50 / 75 %). */
export const LIVENESS_ACTIONS = ['turn-left', 'turn-right', 'look-up', 'move-closer', 'blink'] as const;
export const LIVENESS_STEPS = [25, 50, 75] as const;

export const LIVENESS_FRAME = { width: 640, height: 480 } as const;
/** The widget's upload budget per frame. */
const MAX_JPEG_BYTES = 80 * 1024;

export interface LivenessFrame {
  file: string;
  person: LivenessPerson;
  pose: LivenessPose;
  percent: number;
  params: HeadPoseParams;
  bytes: number;
}

export interface LivenessManifest {
  version: number;
  /** Hash of the generating sources; a mismatch regenerates. */
  recipe: string;
  width: number;
  height: number;
  people: Record<LivenessPerson, { source: string; scene: FaceSceneOptions }>;
  frames: LivenessFrame[];
}

export function livenessFileName(person: LivenessPerson, pose: LivenessPose, percent = 100): string {
  return `${person}-${pose}${percent === 100 ? '' : `-${percent}`}.jpg`;
}

/** Absolute path of one frame. */
export function livenessFramePath(person: LivenessPerson, pose: LivenessPose, percent = 100): string {
  return join(LIVENESS_FIXTURES_DIR, livenessFileName(person, pose, percent));
}

/** The parameters of `pose` scaled to `percent` of the way from neutral. */
export function poseAt(pose: LivenessPose, percent: number): HeadPoseParams {
  const full: HeadPoseParams = LIVENESS_POSE_PARAMS[pose];
  const t = percent / 100;
  const out: HeadPoseParams = {};
  for (const [key, value] of Object.entries(full) as Array<[keyof HeadPoseParams, number]>) {
    // `scale` is a factor (1 = none); everything else is 0 at rest.
    out[key] = key === 'scale' ? 1 + (value - 1) * t : value * t;
  }
  return out;
}

function allFrames(): Array<{ person: LivenessPerson; pose: LivenessPose; percent: number }> {
  const frames: Array<{ person: LivenessPerson; pose: LivenessPose; percent: number }> = [];
  for (const person of LIVENESS_PEOPLE) {
    for (const pose of LIVENESS_POSES) {
      frames.push({ person, pose, percent: 100 });
      if ((LIVENESS_ACTIONS as readonly string[]).includes(pose)) {
        for (const percent of LIVENESS_STEPS) frames.push({ person, pose, percent });
      }
    }
  }
  return frames;
}

/** Every file the fixture set consists of (frames and manifest), absolute paths. */
export function livenessFixtureFiles(): string[] {
  return [...allFrames().map((f) => livenessFramePath(f.person, f.pose, f.percent)), LIVENESS_MANIFEST];
}

const require = createRequire(import.meta.url);
const HEAD_POSE_SOURCE = join(import.meta.dirname, '..', 'test/support/specimens/head-pose.ts');
const GROUP_PHOTO = join(
  dirname(require.resolve('@vladmandic/face-api/package.json')),
  'demo',
  'sample3.jpg',
);
/**
 * The near-frontal woman on the left of sample3.jpg (face-api finds her face at ≈ 585, 328, 200 × 273 px in the
 * 1920 px original), with hair and shoulders, and no neighbour's face inside.
 */
const OTHER_CROP = { left: 335, top: 150, width: 700, height: 700 } as const;

/** Where the face goes in the frame: nose at this point, cheek-to-cheek this wide (≈ 43 % of the shorter side). */
const FACE_PLACEMENT = { noseX: 0.49, noseY: 0.5, cheekWidth: 207 } as const;

async function otherPortrait(): Promise<RgbaImage> {
  const { data, info } = await sharp(GROUP_PHOTO)
    .extract(OTHER_CROP)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** The largest face's mesh of an image, or a coded error. */
async function meshOf(image: RgbaImage, what: string) {
  const analysis = await analyzeFacesInThisThread(encodePng(image));
  const mesh = analysis.faces[0]?.mesh468;
  if (!mesh)
    throw Object.assign(new Error(`no face mesh found in ${what}`), {
      code: 'LIVENESS_FIXTURE_NO_FACE' as const,
    });
  return mesh;
}

/** Frames `photo` as a selfie: scale and centre chosen from its own mesh so every person sits the same way. */
async function selfieScene(photo: RgbaImage, seed: number, what: string) {
  const mesh = await meshOf(photo, what);
  const { width: W, height: H } = LIVENESS_FRAME;
  const cheek = Math.hypot(
    (mesh[454]!.x - mesh[234]!.x) * photo.width,
    (mesh[454]!.y - mesh[234]!.y) * photo.height,
  );
  const k = FACE_PLACEMENT.cheekWidth / cheek; // frame pixels per photo pixel
  const nose = mesh[1]!;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const scene: FaceSceneOptions = {
    ...LIVENESS_FRAME,
    seed,
    background: 'plain',
    scale: round((photo.width * k) / W),
    centerX: round((FACE_PLACEMENT.noseX * W - (nose.x - 0.5) * photo.width * k) / W),
    centerY: round((FACE_PLACEMENT.noseY * H - (nose.y - 0.5) * photo.height * k) / H),
  };
  return { scene, frame: renderFaceScene(photo, scene) };
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** JPEG at the best quality that fits the upload budget. */
function budgetJpeg(image: RgbaImage): Buffer {
  for (let quality = 92; quality >= 60; quality -= 4) {
    const jpeg = encodeJpeg(image, quality);
    if (jpeg.length <= MAX_JPEG_BYTES) return jpeg;
  }
  throw Object.assign(new Error('frame does not fit the JPEG budget'), {
    code: 'LIVENESS_FIXTURE_TOO_LARGE' as const,
  });
}

/** The renderer's and this script's source: an edit to either regenerates the frames. */
function recipeHash(): string {
  const hash = createHash('sha256').update(String(RECIPE_VERSION));
  for (const file of [fileURLToPath(import.meta.url), HEAD_POSE_SOURCE]) hash.update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

function upToDate(): boolean {
  if (!livenessFixtureFiles().every((file) => existsSync(file))) return false;
  try {
    return (JSON.parse(readFileSync(LIVENESS_MANIFEST, 'utf8')) as LivenessManifest).recipe === recipeHash();
  } catch {
    return false;
  }
}

export async function makeLivenessFixtures(options: { force?: boolean } = {}): Promise<string> {
  if (!options.force && upToDate()) return LIVENESS_FIXTURES_DIR;
  mkdirSync(LIVENESS_FIXTURES_DIR, { recursive: true });
  const sources: Record<LivenessPerson, { source: string; photo: RgbaImage; seed: number }> = {
    astronaut: { source: 'test/fixtures/astronaut.png', photo: await loadImage(ASTRONAUT_PATH), seed: 61 },
    other: {
      source: `@vladmandic/face-api/demo/sample3.jpg crop ${OTHER_CROP.left},${OTHER_CROP.top} ${OTHER_CROP.width}×${OTHER_CROP.height}`,
      photo: await otherPortrait(),
      seed: 62,
    },
  };
  const people = {} as LivenessManifest['people'];
  const frames: LivenessFrame[] = [];
  for (const person of LIVENESS_PEOPLE) {
    const { source, photo, seed } = sources[person];
    const { scene, frame } = await selfieScene(photo, seed, person);
    people[person] = { source, scene };
    const model = buildHeadModel(frame, await meshOf(frame, `${person} selfie`));
    for (const f of allFrames().filter((f) => f.person === person)) {
      const params = poseAt(f.pose, f.percent);
      const jpeg = budgetJpeg(renderHeadPose(model, undefined, params));
      const file = livenessFileName(person, f.pose, f.percent);
      writeAtomic(join(LIVENESS_FIXTURES_DIR, file), jpeg);
      frames.push({ file, person, pose: f.pose, percent: f.percent, params, bytes: jpeg.length });
    }
  }
  const manifest: LivenessManifest = {
    version: RECIPE_VERSION,
    recipe: recipeHash(),
    ...LIVENESS_FRAME,
    people,
    frames,
  };
  writeAtomic(LIVENESS_MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return LIVENESS_FIXTURES_DIR;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = await makeLivenessFixtures({ force: process.argv.includes('--force') });
  console.log(`liveness fixtures: ${dir}`);
}
