/**
 * Cold start of the on-device face runtime: how long a fresh browser context takes to import tasks-vision,
 * create FaceDetector and FaceLandmarker from our built assets (wasm fetch + compile + model + graph), and run
 * the first detections on a 512×512 photo. Headless system Chromium, CPU delegate, served from localhost.
 */
import { type StaticServer, startStaticServer } from './static-server.js';
import { join } from 'node:path';
import { buildOfflineAssets } from '../scripts/assets/build-offline-assets.js';
import { assetUrl, mediapipeWasmBase } from '../src/capture/asset-manifest.js';
import { guardRequests, launchChromium } from '../test/support/browser.js';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 3;
const WARM_FRAMES = 20;

type Row = Record<string, string | number>;

/** One cold run, measured inside the page (ms). */
interface ColdRun {
  importBundle: number;
  fileset: number;
  createDetector: number;
  firstDetect: number;
  createLandmarker: number;
  firstLandmarks: number;
  warmDetectMedian: number;
  warmLandmarksMedian: number;
}

/** Serves the project root read-only (tasks-vision bundle from node_modules, dist/assets, test fixtures). */
function startModelServer(): Promise<StaticServer> {
  return startStaticServer(ROOT, '<!doctype html><meta charset="utf-8"><title>model-load bench</title>');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const round = (x: number) => Math.round(x * 10) / 10;

export async function benchModelLoad(): Promise<{ rows: Row[] }> {
  buildOfflineAssets({ outDir: join(ROOT, 'dist/assets') });
  const server = await startModelServer();
  const browser = await launchChromium({ fakeCamera: false });
  const runs: ColdRun[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      // A new context per run: empty HTTP cache, nothing compiled yet.
      const context = await browser.newContext();
      const guard = await guardRequests(context);
      // tsx compiles this file with esbuild's keepNames, which wraps functions in `__name(…)`; the function we
      // hand to page.evaluate is serialized with those calls, so the page needs the helper too.
      await context.addInitScript('globalThis.__name ??= (fn) => fn;');
      try {
        const page = await context.newPage();
        await page.goto(`${server.origin}/`);
        runs.push(
          await page.evaluate(
            async ({ bundle, wasmBase, detectorModel, landmarkerModel, image, warmFrames }) => {
              const now = () => performance.now();
              const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
              let t = now();
              const vision = (await import(bundle)) as typeof import('@mediapipe/tasks-vision');
              const importBundle = now() - t;
              const img = new Image();
              img.src = image;
              await img.decode();
              t = now();
              const fileset = await vision.FilesetResolver.forVisionTasks(wasmBase);
              const filesetMs = now() - t;
              t = now();
              const detector = await vision.FaceDetector.createFromOptions(fileset, {
                baseOptions: { modelAssetPath: detectorModel, delegate: 'CPU' },
                runningMode: 'IMAGE',
              });
              const createDetector = now() - t;
              t = now();
              const faces = detector.detect(img).detections.length;
              const firstDetect = now() - t;
              t = now();
              const landmarker = await vision.FaceLandmarker.createFromOptions(fileset, {
                baseOptions: { modelAssetPath: landmarkerModel, delegate: 'CPU' },
                runningMode: 'IMAGE',
                outputFacialTransformationMatrixes: true,
              });
              const createLandmarker = now() - t;
              t = now();
              const meshes = landmarker.detect(img).faceLandmarks.length;
              const firstLandmarks = now() - t;
              if (faces !== 1 || meshes !== 1) throw new Error(`expected one face, got ${faces} / ${meshes}`);
              const warmDetect: number[] = [];
              const warmLandmarks: number[] = [];
              for (let i = 0; i < warmFrames; i++) {
                t = now();
                detector.detect(img);
                warmDetect.push(now() - t);
                t = now();
                landmarker.detect(img);
                warmLandmarks.push(now() - t);
              }
              detector.close();
              landmarker.close();
              return {
                importBundle,
                fileset: filesetMs,
                createDetector,
                firstDetect,
                createLandmarker,
                firstLandmarks,
                warmDetectMedian: medianOf(warmDetect),
                warmLandmarksMedian: medianOf(warmLandmarks),
              };
            },
            {
              bundle: '/node_modules/@mediapipe/tasks-vision/vision_bundle.mjs',
              wasmBase: mediapipeWasmBase('/dist/assets'),
              detectorModel: assetUrl('/dist/assets', 'faceDetectorModel'),
              landmarkerModel: assetUrl('/dist/assets', 'faceLandmarkerModel'),
              image: '/test/fixtures/astronaut.png',
              warmFrames: WARM_FRAMES,
            },
          ),
        );
        if (guard.thirdParty.length > 0) {
          throw new Error(`third-party requests during model load: ${guard.thirdParty.join(', ')}`);
        }
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }

  const steps: [keyof ColdRun, string][] = [
    ['importBundle', 'import vision_bundle.mjs'],
    ['fileset', 'FilesetResolver.forVisionTasks'],
    ['createDetector', 'FaceDetector.createFromOptions (cold: wasm + model + graph)'],
    ['firstDetect', 'first FaceDetector.detect (512×512 image)'],
    ['createLandmarker', 'FaceLandmarker.createFromOptions (after the detector)'],
    ['firstLandmarks', 'first FaceLandmarker.detect'],
    ['warmDetectMedian', `FaceDetector.detect, warm (median of ${WARM_FRAMES})`],
    ['warmLandmarksMedian', `FaceLandmarker.detect, warm (median of ${WARM_FRAMES})`],
  ];
  const rows = steps.map(([key, step]) => {
    const values = runs.map((r) => r[key]);
    return {
      step,
      'median ms': round(median(values)),
      'min ms': round(Math.min(...values)),
      'max ms': round(Math.max(...values)),
      runs: values.length,
    };
  });
  return { rows };
}
