/**
 * `tsx scripts/make-widget-fixtures.ts`: camera-resolution scenes for the widget's end-to-end flow, written to
 * test/fixtures/generated/widget/ (gitignored). The document checks want the card ≥ ~1000 px wide at capture
 * resolution, which the 640 × 480 scenes of `npm run fixtures` are not; upscaling them would only blur them.
 * Skips the work when the files exist (`--force` regenerates).
 *
 *   id-front-1920.png   ID-1 front, 1920 × 1440, card ≈ 1340 px wide
 *   id-back-1920.png    ID-1 back (TD1 MRZ), 1920 × 1440
 *   face-1280.png       the astronaut portrait framed as a selfie, 1280 × 960
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ASTRONAUT_PATH,
  encodePng,
  idCardBack,
  idCardFront,
  loadImage,
  renderFaceScene,
  renderScene,
} from '../test/support/specimens/index.js';

export const WIDGET_FIXTURES_DIR = join(import.meta.dirname, '..', 'test/fixtures/generated/widget');

/** Frame sizes of the scenes; the scripted camera in the e2e test reports these as its resolution. */
export const WIDGET_SCENES = {
  front: { file: 'id-front-1920.png', width: 1920, height: 1440 },
  back: { file: 'id-back-1920.png', width: 1920, height: 1440 },
  face: { file: 'face-1280.png', width: 1280, height: 960 },
} as const;

function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export async function makeWidgetFixtures(options: { force?: boolean } = {}): Promise<string> {
  const files = Object.values(WIDGET_SCENES).map((scene) => join(WIDGET_FIXTURES_DIR, scene.file));
  if (!options.force && files.every((file) => existsSync(file))) return WIDGET_FIXTURES_DIR;
  mkdirSync(WIDGET_FIXTURES_DIR, { recursive: true });
  const { front, back, face } = WIDGET_SCENES;
  // A card held slightly turned on a desk: realistic, and well inside every document check's limits.
  const held = { scale: 0.7, rotationDeg: 1.5, tiltDeg: 3 };
  writeAtomic(
    join(WIDGET_FIXTURES_DIR, front.file),
    encodePng(renderScene(await idCardFront(), { ...front, ...held, seed: 21 }).image),
  );
  writeAtomic(
    join(WIDGET_FIXTURES_DIR, back.file),
    encodePng(renderScene(await idCardBack({ kind: 'td1' }), { ...back, ...held, seed: 22 }).image),
  );
  writeAtomic(
    join(WIDGET_FIXTURES_DIR, face.file),
    // Framed like a selfie: the portrait overflows the frame so the face sits in the middle and is ≈ 40 % of the
    // frame's height wide (the face checks want ≥ 30 % of the shorter side: FACE_TOO_SMALL below).
    encodePng(
      renderFaceScene(await loadImage(ASTRONAUT_PATH), {
        ...face,
        seed: 23,
        scale: 1.6,
        centerX: 0.607,
        centerY: 1.086,
      }),
    ),
  );
  return WIDGET_FIXTURES_DIR;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = await makeWidgetFixtures({ force: process.argv.includes('--force') });
  console.log(`widget fixtures: ${dir}`);
}
