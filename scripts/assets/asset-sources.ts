/**
 * The npm packages and files the offline assets are made from. Every byte comes from node_modules, so a
 * machine that can reach only the npm registry (or nothing, once installed) can build them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AssetBuildError } from './asset-build-error.js';
import { FACE_MESH_LOADER, FACE_MESH_PACKED_DATA } from './face-mesh-pack.js';

export const TASKS_VISION = '@mediapipe/tasks-vision';
export const FACE_DETECTION = '@mediapipe/face_detection';
export const FACE_MESH = '@mediapipe/face_mesh';
export const ZXING_WASM = 'zxing-wasm';

export const SOURCE_PACKAGES = [TASKS_VISION, FACE_DETECTION, FACE_MESH, ZXING_WASM] as const;
export type SourcePackage = (typeof SOURCE_PACKAGES)[number];

/** Files read from each package, relative to its folder. tasks-vision's `wasm/` folder is listed at build time. */
export const SHORT_RANGE_DETECTOR = 'face_detection_short_range.tflite';
export const FACE_MESH_FILES = [FACE_MESH_LOADER, FACE_MESH_PACKED_DATA] as const;
export const TASKS_VISION_WASM_DIR = 'wasm';
/** The reader-only build (what `import … from 'zxing-wasm/reader'` loads). */
export const ZXING_READER_WASM = 'dist/reader/zxing_reader.wasm';

export interface InstalledPackage {
  name: SourcePackage;
  version: string;
  dir: string;
}

/**
 * Finds a package the way Node does (nearest `node_modules` upwards), but through its folder rather than
 * `require.resolve`, because tasks-vision's `exports` map hides its package.json and wasm folder.
 */
export function findInstalledPackage(
  name: SourcePackage,
  from: string = import.meta.dirname,
): InstalledPackage {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    const manifest = join(candidate, 'package.json');
    if (existsSync(manifest)) {
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
      return { name, version, dir: candidate };
    }
    if (dirname(dir) === dir) break;
  }
  throw new AssetBuildError('SOURCE_MISSING', `npm package ${name} is not installed (run npm install)`);
}
