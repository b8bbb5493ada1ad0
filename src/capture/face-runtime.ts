import type {
  FaceDetector,
  FaceDetectorResult,
  FaceLandmarker,
  FaceLandmarkerResult,
} from '@mediapipe/tasks-vision';
import type { FaceObservation } from '../analysis/types.js';
import { assetUrl, mediapipeWasmBase } from './asset-manifest.js';

/** Module workers have no `document`; there MediaPipe must use its ES-module wasm loader. */
const IN_WORKER = typeof document === 'undefined';

/** What a face task can read pixels from, in a worker or on the main thread. */
export type FaceImage = ImageBitmap | OffscreenCanvas | HTMLCanvasElement | HTMLVideoElement;

export type FaceRuntimeStage = 'runtime' | 'detector' | 'landmarker';

export interface FaceRuntimeOptions {
  assetBase: string;
  /** Called as each part becomes usable; MediaPipe reports no byte progress, so this is per stage. */
  onProgress?: (stage: FaceRuntimeStage, done: number, total: number) => void;
  /**
   * Most faces the landmarker tracks (default 1). Below this count MediaPipe runs its face detector on every
   * frame to look for more, so 2 costs ~40 % more per frame; the engine counts other faces with the detector
   * every few frames instead.
   */
  maxFaces?: number;
}

/**
 * MediaPipe tasks-vision (0.10.35) loaded lazily from our own `asset-base`, CPU delegate. Works in a module
 * worker: the module build of the wasm loader (`useModule = true`) is imported instead of `importScripts`.
 * Each task instantiates its own wasm, so we create at most one detector and one landmarker and keep them.
 */
export class FaceRuntime {
  private detector: Promise<FaceDetector> | undefined;
  private landmarker: Promise<FaceLandmarker> | undefined;
  private vision: Promise<typeof import('@mediapipe/tasks-vision')> | undefined;
  private fileset:
    | ReturnType<typeof import('@mediapipe/tasks-vision')['FilesetResolver']['forVisionTasks']>
    | undefined;
  private lastVideoTs = 0;
  private detectorCreated = false;
  /** Task creation is serialized: MediaPipe reads and then clears the global `ModuleFactory` during each one. */
  private creating: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: FaceRuntimeOptions) {}

  private loadVision() {
    this.vision ??= import('@mediapipe/tasks-vision');
    return this.vision;
  }

  private async loadFileset() {
    const vision = await this.loadVision();
    this.fileset ??= vision.FilesetResolver.forVisionTasks(
      mediapipeWasmBase(this.options.assetBase),
      IN_WORKER,
    );
    const fileset = await this.fileset;
    this.options.onProgress?.('runtime', 1, 3);
    return { vision, fileset };
  }

  /**
   * In a module worker MediaPipe `import()`s the wasm loader, which sets `globalThis.ModuleFactory` only the first
   * time it is evaluated; MediaPipe clears it after creating a task. Re-arm it from the cached module before each
   * creation so a second task can be made.
   */
  private async create<T>(make: () => Promise<T>): Promise<T> {
    const run = this.creating.then(async () => {
      const { fileset } = await this.loadFileset();
      const g = globalThis as { ModuleFactory?: unknown };
      if (!g.ModuleFactory && IN_WORKER) {
        const loader = (await import(/* @vite-ignore */ fileset.wasmLoaderPath)) as { default?: unknown };
        g.ModuleFactory = loader.default;
      }
      return make();
    });
    this.creating = run.catch(() => undefined);
    return run;
  }

  /** The short-range face detector (for "is there a face on the card", and face counting). */
  getDetector(): Promise<FaceDetector> {
    this.detector ??= (async () => {
      const { vision, fileset } = await this.loadFileset();
      const det = await this.create(() =>
        vision.FaceDetector.createFromOptions(fileset, {
          baseOptions: {
            modelAssetPath: assetUrl(this.options.assetBase, 'faceDetectorModel'),
            delegate: 'CPU',
          },
          runningMode: 'IMAGE',
          minDetectionConfidence: 0.5,
        }),
      );
      this.detectorCreated = true;
      this.options.onProgress?.('detector', 2, 3);
      return det;
    })();
    return this.detector;
  }

  /** The 478-point landmarker with transformation matrices (for selfies and liveness). */
  getLandmarker(): Promise<FaceLandmarker> {
    this.landmarker ??= (async () => {
      const { vision, fileset } = await this.loadFileset();
      const lm = await this.create(() =>
        vision.FaceLandmarker.createFromOptions(fileset, {
          baseOptions: {
            modelAssetPath: assetUrl(this.options.assetBase, 'faceLandmarkerModel'),
            delegate: 'CPU',
          },
          runningMode: 'VIDEO',
          numFaces: this.options.maxFaces ?? 1,
          outputFacialTransformationMatrixes: true,
          outputFaceBlendshapes: false,
        }),
      );
      this.options.onProgress?.('landmarker', 3, 3);
      return lm;
    })();
    return this.landmarker;
  }

  /** The detector was asked for (it may still be loading). */
  get detectorReady(): boolean {
    return this.detector !== undefined;
  }

  /** The detector is created: a detection now costs inference only, no download. */
  get detectorLoaded(): boolean {
    return this.detectorCreated;
  }

  async detectFaces(image: FaceImage, size: { width: number; height: number }): Promise<FaceObservation[]> {
    const det = await this.getDetector();
    return detectorObservations(det.detect(image as ImageBitmap), size);
  }

  /** Landmarks for a frame of a stream; timestamps must increase, so equal or older ones are nudged forward. */
  async landmarks(
    image: FaceImage,
    size: { width: number; height: number },
    timestampMs: number,
  ): Promise<FaceObservation[]> {
    const lm = await this.getLandmarker();
    const ts = Math.max(Math.round(timestampMs), this.lastVideoTs + 1);
    this.lastVideoTs = ts;
    return landmarkerObservations(lm.detectForVideo(image as ImageBitmap, ts), size);
  }

  async close(): Promise<void> {
    const det = this.detector;
    const lm = this.landmarker;
    this.detector = undefined;
    this.landmarker = undefined;
    this.detectorCreated = false;
    (await det?.catch(() => undefined))?.close();
    (await lm?.catch(() => undefined))?.close();
  }
}

/** FaceDetector result → our observations, in frame pixels. */
export function detectorObservations(
  result: FaceDetectorResult,
  size: { width: number; height: number },
): FaceObservation[] {
  return result.detections.map((d) => {
    const b = d.boundingBox ?? { originX: 0, originY: 0, width: 0, height: 0 };
    return {
      box: { x: b.originX, y: b.originY, width: b.width, height: b.height },
      score: d.categories[0]?.score ?? 0,
      keypoints: d.keypoints.map((k) => ({ x: k.x * size.width, y: k.y * size.height })),
    };
  });
}

/** FaceLandmarker result → observations; the box is the landmarks' extent in frame pixels. */
export function landmarkerObservations(
  result: FaceLandmarkerResult,
  size: { width: number; height: number },
): FaceObservation[] {
  return result.faceLandmarks.map((lms, i) => {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const p of lms) {
      minX = Math.min(minX, p.x);
      minY = Math.min(minY, p.y);
      maxX = Math.max(maxX, p.x);
      maxY = Math.max(maxY, p.y);
    }
    const matrix = result.facialTransformationMatrixes?.[i]?.data;
    return {
      box: {
        x: minX * size.width,
        y: minY * size.height,
        width: (maxX - minX) * size.width,
        height: (maxY - minY) * size.height,
      },
      score: 1,
      landmarks: lms.map((p) => ({ x: p.x, y: p.y, z: p.z })),
      ...(matrix ? { transformationMatrix: Array.from(matrix) } : {}),
    };
  });
}
