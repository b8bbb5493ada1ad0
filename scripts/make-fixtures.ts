/**
 * `npm run fixtures`: writes generated test media into test/fixtures/generated/ (gitignored) from our own seeded
 * generator (test/support/specimens) and Debian's ffmpeg. Skips the work when a stamp of the inputs matches, so the
 * test orchestrator can call it before every browser / e2e run. `--force` regenerates.
 *
 *   id-front.png  id-back-td1.png  id-back-us-dl.png  passport.png      flat specimens
 *   scene-*.png + scenes.json                                            camera-like frames with their true quads
 *   camera/astronaut-pan.mjpeg (+ .y4m)                                  fake camera: slow pan over the astronaut
 *   camera/id-front.mjpeg                                                fake camera: a card front held in frame
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ASTRONAUT_PATH,
  encodePng,
  idCardBack,
  idCardFront,
  loadImage,
  passportPage,
  type RgbaImage,
  renderFaceScene,
  renderScene,
  type SceneOptions,
} from '../test/support/specimens/index.js';

const ROOT = join(import.meta.dirname, '..');
export const GENERATED_DIR = join(ROOT, 'test/fixtures/generated');
export const CAMERA_DIR = join(GENERATED_DIR, 'camera');
export const ASTRONAUT_PAN_MJPEG = join(CAMERA_DIR, 'astronaut-pan.mjpeg');
export const ASTRONAUT_PAN_Y4M = join(CAMERA_DIR, 'astronaut-pan.y4m');
export const ID_FRONT_MJPEG = join(CAMERA_DIR, 'id-front.mjpeg');
/** Frame rate, size and length of the fake-camera videos. */
export const CAMERA_VIDEO = { width: 640, height: 480, fps: 15, seconds: 3 } as const;

const STAMP = join(GENERATED_DIR, '.stamp');
/** Chromium reads y4m uncompressed; keep it only while it stays small. */
const MAX_Y4M_BYTES = 30 * 1024 * 1024;

const FLAT = ['id-front.png', 'id-back-td1.png', 'id-back-us-dl.png', 'passport.png'];

interface SceneSpec {
  file: string;
  source: 'id-front' | 'id-back-td1' | 'id-back-us-dl' | 'passport';
  options: SceneOptions;
}

/** A few frames other suites can load without running the generator themselves. */
const SCENES: SceneSpec[] = [
  { file: 'scene-id-front-desk.png', source: 'id-front', options: { seed: 1 } },
  {
    file: 'scene-id-front-tilted.png',
    source: 'id-front',
    options: { seed: 2, rotationDeg: 8, tiltDeg: 20 },
  },
  { file: 'scene-id-front-blurry.png', source: 'id-front', options: { seed: 3, blurSigma: 3 } },
  {
    file: 'scene-id-front-glare.png',
    source: 'id-front',
    options: { seed: 4, glare: { x: 0.7, y: 0.35, radius: 0.12, intensity: 1 } },
  },
  {
    file: 'scene-id-front-far.png',
    source: 'id-front',
    options: { seed: 5, scale: 0.3, background: 'wood' },
  },
  { file: 'scene-id-front-dark.png', source: 'id-front', options: { seed: 6, exposure: 0.25 } },
  { file: 'scene-id-back-us-dl.png', source: 'id-back-us-dl', options: { seed: 7, scale: 0.85 } },
  {
    file: 'scene-passport-wood.png',
    source: 'passport',
    options: { seed: 8, background: 'wood', scale: 0.75 },
  },
];
const FACE_SCENE = 'scene-face-astronaut.png';

function outputs(withY4m: boolean): string[] {
  return [
    ...FLAT.map((f) => join(GENERATED_DIR, f)),
    ...SCENES.map((s) => join(GENERATED_DIR, s.file)),
    join(GENERATED_DIR, FACE_SCENE),
    join(GENERATED_DIR, 'scenes.json'),
    ASTRONAUT_PAN_MJPEG,
    ID_FRONT_MJPEG,
    ...(withY4m ? [ASTRONAUT_PAN_Y4M] : []),
  ];
}

/** Hash of everything the outputs depend on: the generator, this script, the astronaut photo, ffmpeg's version. */
function inputsStamp(): string {
  const hash = createHash('sha256');
  const specimens = join(ROOT, 'test/support/specimens');
  const files = [
    ...readdirSync(specimens)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(specimens, f)),
    join(ROOT, 'scripts/make-fixtures.ts'),
    ASTRONAUT_PATH,
  ];
  for (const f of files) hash.update(f).update(readFileSync(f));
  hash.update(ffmpegVersion());
  return hash.digest('hex');
}

function ffmpegVersion(): string {
  const r = spawnSync('ffmpeg', ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw Object.assign(new Error('ffmpeg not found; install it (Debian: apt-get install -y ffmpeg)'), {
      code: 'FIXTURES_FFMPEG_MISSING' as const,
    });
  }
  return r.stdout.split('\n')[0] ?? '';
}

/** Writes through a temporary name so a concurrent reader never sees half a file. */
function writeAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** Flags that make ffmpeg's output depend on its input only (no encoder string, no timestamps, one thread). */
const BITEXACT = ['-fflags', '+bitexact', '-flags:v', '+bitexact', '-map_metadata', '-1', '-threads', '1'];

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function makeAstronautPan(): void {
  const { width, height, fps, seconds } = CAMERA_VIDEO;
  // Scale the 512² photo to 800², then pan a 640×480 window 160 px left to right, face in the upper third.
  const filter = `scale=800:800:flags=bicubic,crop=${width}:${height}:x='160*t/${seconds}':y=40`;
  const common = [
    '-loop',
    '1',
    '-framerate',
    String(fps),
    '-i',
    ASTRONAUT_PATH,
    '-t',
    String(seconds),
    '-vf',
  ];
  const mjpegTmp = `${ASTRONAUT_PAN_MJPEG}.${process.pid}.tmp`;
  ffmpeg([
    ...common,
    `${filter},format=yuvj420p`,
    ...BITEXACT,
    '-c:v',
    'mjpeg',
    '-q:v',
    '3',
    '-f',
    'mjpeg',
    mjpegTmp,
  ]);
  renameSync(mjpegTmp, ASTRONAUT_PAN_MJPEG);
  const expected = width * height * 1.5 * fps * seconds;
  if (expected < MAX_Y4M_BYTES) {
    const y4mTmp = `${ASTRONAUT_PAN_Y4M}.${process.pid}.tmp`;
    ffmpeg([...common, `${filter},format=yuv420p`, ...BITEXACT, '-f', 'yuv4mpegpipe', y4mTmp]);
    if (statSync(y4mTmp).size < MAX_Y4M_BYTES) renameSync(y4mTmp, ASTRONAUT_PAN_Y4M);
    else rmSync(y4mTmp);
  }
}

/** A card front held in front of the camera: tiny hand jitter, fresh sensor noise every frame. */
function makeIdFrontVideo(front: RgbaImage): void {
  const { width, height, fps } = CAMERA_VIDEO;
  const frames = fps * 2;
  const dir = mkdtempSync(join(tmpdir(), 'idv-id-front-'));
  try {
    for (let i = 0; i < frames; i++) {
      const phase = (i / frames) * Math.PI * 2;
      const { image } = renderScene(front, {
        width,
        height,
        seed: 100 + i,
        scale: 0.72,
        centerX: 0.5 + 0.004 * Math.sin(phase),
        centerY: 0.5 + 0.004 * Math.cos(phase),
        rotationDeg: 1.5 + 0.3 * Math.sin(phase),
        tiltDeg: 4,
      });
      writeFileSync(join(dir, `frame-${String(i).padStart(3, '0')}.png`), encodePng(image));
    }
    const tmp = `${ID_FRONT_MJPEG}.${process.pid}.tmp`;
    ffmpeg([
      '-framerate',
      String(fps),
      '-i',
      join(dir, 'frame-%03d.png'),
      '-vf',
      'format=yuvj420p',
      ...BITEXACT,
      '-c:v',
      'mjpeg',
      '-q:v',
      '3',
      '-f',
      'mjpeg',
      tmp,
    ]);
    renameSync(tmp, ID_FRONT_MJPEG);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MakeFixturesOptions {
  force?: boolean;
  log?: (line: string) => void;
}

/** Generates every fixture unless the stamp says they are current. Returns whether it did any work. */
export async function makeFixtures(
  options: MakeFixturesOptions = {},
): Promise<{ generated: boolean; dir: string }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const stamp = inputsStamp();
  const current = existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === stamp;
  const y4mExpected =
    CAMERA_VIDEO.width * CAMERA_VIDEO.height * 1.5 * CAMERA_VIDEO.fps * CAMERA_VIDEO.seconds < MAX_Y4M_BYTES;
  if (!options.force && current && outputs(y4mExpected).every((f) => existsSync(f))) {
    log('fixtures: up to date');
    return { generated: false, dir: GENERATED_DIR };
  }
  const started = Date.now();
  mkdirSync(CAMERA_DIR, { recursive: true });
  rmSync(STAMP, { force: true });
  const docs = {
    'id-front': await idCardFront(),
    'id-back-td1': await idCardBack({ kind: 'td1' }),
    'id-back-us-dl': await idCardBack({ kind: 'us-dl' }),
    passport: await passportPage(),
  };
  for (const [name, img] of Object.entries(docs))
    writeAtomic(join(GENERATED_DIR, `${name}.png`), encodePng(img));

  const manifest: { file: string; source: string; options: SceneOptions; quad: unknown }[] = [];
  for (const spec of SCENES) {
    const { image, quad } = renderScene(docs[spec.source], spec.options);
    writeAtomic(join(GENERATED_DIR, spec.file), encodePng(image));
    manifest.push({ file: spec.file, source: `${spec.source}.png`, options: spec.options, quad });
  }
  writeAtomic(
    join(GENERATED_DIR, FACE_SCENE),
    encodePng(renderFaceScene(await loadImage(ASTRONAUT_PATH), { seed: 1 })),
  );
  writeAtomic(join(GENERATED_DIR, 'scenes.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  makeAstronautPan();
  makeIdFrontVideo(docs['id-front']);
  writeAtomic(STAMP, stamp);
  log(`fixtures: generated in ${GENERATED_DIR} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return { generated: true, dir: GENERATED_DIR };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await makeFixtures({ force: process.argv.includes('--force') });
}
