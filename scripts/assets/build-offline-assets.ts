/**
 * Builds everything `<idv-capture>` and the server load at run time, from npm packages only:
 * the two face models (transformed), the MediaPipe wasm folder and the zxing reader wasm (copied), and
 * `manifest.json`. Output bytes depend only on the inputs, so the build is reproducible and skippable.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { ASSET_PATHS, type AssetManifest, type AssetManifestFile } from '../../src/capture/asset-manifest.js';
import {
  FACE_DETECTION,
  FACE_MESH,
  FACE_MESH_FILES,
  findInstalledPackage,
  type InstalledPackage,
  SHORT_RANGE_DETECTOR,
  SOURCE_PACKAGES,
  type SourcePackage,
  TASKS_VISION,
  TASKS_VISION_WASM_DIR,
  ZXING_READER_WASM,
  ZXING_WASM,
} from './asset-sources.js';
import { MODEL_SHA256 } from './checksums.js';
import {
  ATTENTION_LANDMARK_MODEL,
  GEOMETRY_PIPELINE_METADATA,
  requirePackedAsset,
  unpackFaceMeshAssets,
} from './face-mesh-pack.js';
import { buildLandmarks478 } from './landmarks-478.js';
import { buildTaskBundle, FaceLandmarkerEntry } from './task-bundle.js';
import { addTfliteMetadata } from './tflite-metadata.js';

export interface BuildOfflineAssetsOptions {
  outDir: string;
  /** Rebuild even when the manifest says the outputs are up to date. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface BuildOfflineAssetsReport {
  /** True when nothing was written because the outputs already matched the inputs. */
  upToDate: boolean;
  manifest: AssetManifest;
  /** Model paths whose sha256 differs from scripts/assets/checksums.ts (a source package changed). */
  checksumMismatches: string[];
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** One file read from a source package. */
interface SourceFile {
  pkg: InstalledPackage;
  path: string;
  bytes: Uint8Array;
}

function readSource(pkg: InstalledPackage, path: string): SourceFile {
  return { pkg, path, bytes: readFileSync(join(pkg.dir, path)) };
}

/** Our own build code: a change to it invalidates the outputs like a change to the inputs does. */
function recipeSha256(): string {
  const scriptsDir = dirname(import.meta.dirname);
  const rootDir = dirname(scriptsDir);
  const files = [
    ...readdirSync(import.meta.dirname)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(import.meta.dirname, f)),
    join(scriptsDir, 'build-assets.ts'),
    join(rootDir, 'src/capture/asset-manifest.ts'),
  ]
    .filter((f) => existsSync(f))
    .sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(relative(rootDir, f)).update('\0').update(readFileSync(f)).update('\0');
  return hash.digest('hex');
}

/** Writes through a temporary name, so a reader (or a concurrent build) never sees a half-written file. */
function writeAtomically(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** The previous build's manifest, or undefined when there is none or it is not one of ours. */
function readManifest(outDir: string): AssetManifest | undefined {
  let parsed: Partial<AssetManifest>;
  try {
    parsed = JSON.parse(readFileSync(join(outDir, ASSET_PATHS.manifest), 'utf8')) as Partial<AssetManifest>;
  } catch {
    return undefined;
  }
  const wellFormed =
    parsed.formatVersion === 1 &&
    Array.isArray(parsed.inputs) &&
    Array.isArray(parsed.files) &&
    parsed.files.every((f) => typeof f?.path === 'string');
  return wellFormed ? (parsed as AssetManifest) : undefined;
}

/** The previous build's outputs are current: same inputs, same recipe, and every file still as recorded. */
function isUpToDate(
  previous: AssetManifest | undefined,
  next: Omit<AssetManifest, 'files'>,
  outDir: string,
): boolean {
  if (
    !previous ||
    previous.formatVersion !== next.formatVersion ||
    previous.recipeSha256 !== next.recipeSha256
  ) {
    return false;
  }
  if (JSON.stringify(previous.inputs) !== JSON.stringify(next.inputs)) return false;
  if (JSON.stringify(previous.packages) !== JSON.stringify(next.packages)) return false;
  return previous.files.every((file) => {
    const path = join(outDir, file.path);
    if (!existsSync(path)) return false;
    const bytes = readFileSync(path);
    return bytes.length === file.bytes && sha256(bytes) === file.sha256;
  });
}

/** Builds (or confirms up to date) the offline assets in `outDir`. */
export function buildOfflineAssets(options: BuildOfflineAssetsOptions): BuildOfflineAssetsReport {
  const { outDir, force = false, log = () => {} } = options;
  const packages = Object.fromEntries(
    SOURCE_PACKAGES.map((name) => [name, findInstalledPackage(name)]),
  ) as Record<SourcePackage, InstalledPackage>;

  const detectorSource = readSource(packages[FACE_DETECTION], SHORT_RANGE_DETECTOR);
  const [meshLoader, meshPacked] = FACE_MESH_FILES.map((f) => readSource(packages[FACE_MESH], f)) as [
    SourceFile,
    SourceFile,
  ];
  const wasmDir = join(packages[TASKS_VISION].dir, TASKS_VISION_WASM_DIR);
  const mediapipeWasm = readdirSync(wasmDir)
    .sort()
    .map((f) => readSource(packages[TASKS_VISION], `${TASKS_VISION_WASM_DIR}/${f}`));
  const zxingReader = readSource(packages[ZXING_WASM], ZXING_READER_WASM);
  const sources = [detectorSource, meshLoader, meshPacked, ...mediapipeWasm, zxingReader];

  const header: Omit<AssetManifest, 'files'> = {
    formatVersion: 1,
    packages: Object.fromEntries(SOURCE_PACKAGES.map((name) => [name, packages[name].version])),
    recipeSha256: recipeSha256(),
    inputs: sources.map((s) => ({
      package: s.pkg.name,
      path: s.path,
      bytes: s.bytes.length,
      sha256: sha256(s.bytes),
    })),
  };
  const previous = readManifest(outDir);
  if (!force && previous && isUpToDate(previous, header, outDir)) {
    log(`offline assets in ${outDir} are up to date`);
    return { upToDate: true, manifest: previous, checksumMismatches: checksumMismatches(previous) };
  }

  const outputs: { file: Omit<AssetManifestFile, 'bytes' | 'sha256'>; bytes: Uint8Array }[] = [];

  // Face detector: the legacy short-range model expects input in [-1, 1]; metadata tells Tasks so.
  const detector = addTfliteMetadata(detectorSource.bytes, {
    name: 'face_detection_short_range',
    mean: [127.5],
    std: [127.5],
  });
  outputs.push({ file: { path: ASSET_PATHS.faceDetectorModel, from: [FACE_DETECTION] }, bytes: detector });

  // Face landmarker: the packed face_mesh assets → 478-point model + geometry metadata, as a stored zip.
  const packedFiles = unpackFaceMeshAssets(new TextDecoder().decode(meshLoader.bytes), meshPacked.bytes);
  const landmarks = buildLandmarks478(requirePackedAsset(packedFiles, ATTENTION_LANDMARK_MODEL));
  const task = buildTaskBundle([
    [FaceLandmarkerEntry.detector, detector],
    [FaceLandmarkerEntry.landmarks, landmarks],
    [FaceLandmarkerEntry.geometry, requirePackedAsset(packedFiles, GEOMETRY_PIPELINE_METADATA)],
  ]);
  outputs.push({
    file: { path: ASSET_PATHS.faceLandmarkerModel, from: [FACE_DETECTION, FACE_MESH] },
    bytes: task,
  });

  for (const wasm of mediapipeWasm) {
    const name = wasm.path.slice(TASKS_VISION_WASM_DIR.length + 1);
    outputs.push({
      file: { path: `${ASSET_PATHS.mediapipeWasm}${name}`, from: [TASKS_VISION] },
      bytes: wasm.bytes,
    });
  }
  outputs.push({ file: { path: ASSET_PATHS.zxingReaderWasm, from: [ZXING_WASM] }, bytes: zxingReader.bytes });

  const files: AssetManifestFile[] = outputs
    .map(({ file, bytes }) => ({ ...file, bytes: bytes.length, sha256: sha256(bytes) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const { file, bytes } of outputs) {
    writeAtomically(join(outDir, file.path), bytes);
    log(`${file.path.padEnd(48)} ${String(bytes.length).padStart(9)} B`);
  }
  // Files the previous build wrote that this one does not (e.g. a wasm variant a newer tasks-vision dropped).
  for (const stale of previous?.files ?? []) {
    const ours = !isAbsolute(stale.path) && !stale.path.split('/').includes('..');
    if (ours && !files.some((f) => f.path === stale.path)) rmSync(join(outDir, stale.path), { force: true });
  }
  const manifest: AssetManifest = { ...header, files };
  // The manifest goes last: while it is missing or stale, the next build redoes everything.
  writeAtomically(join(outDir, ASSET_PATHS.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return { upToDate: false, manifest, checksumMismatches: checksumMismatches(manifest) };
}

function checksumMismatches(manifest: AssetManifest): string[] {
  return Object.entries(MODEL_SHA256)
    .filter(([path, expected]) => manifest.files.find((f) => f.path === path)?.sha256 !== expected)
    .map(([path]) => path);
}
