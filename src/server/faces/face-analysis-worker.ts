/**
 * One worker of the face analysis pool (face-analysis.ts): loads the models, warms them (every model once, then one
 * analysis of a synthetic image: the first inference of each tfjs model compiles its kernels and sizes the wasm
 * heap), says `ready`, then answers one analysis at a time. Errors go back as `{code, message}`.
 */
import { parentPort, threadId } from 'node:worker_threads';
import sharp from 'sharp';
import { analyzeFacesInThisThread, faceAnalyzerLoadMs, locateFacesInThisThread } from './face-analyzer.js';
import { FaceAnalyzerError, loadFaceModels, warmFaceModels } from './face-models.js';

type Request = { type: 'analyze'; image: ArrayBuffer; depth: 'describe' | 'locate' };

async function warmUp(): Promise<void> {
  const { tf, human } = await loadFaceModels();
  warmFaceModels(tf, human);
  // No face in it: the decode and the locating passes (whole view, then tiles) run.
  const grey = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#7a7a7a' } })
    .jpeg()
    .toBuffer();
  await analyzeFacesInThisThread(grey);
}

const started = performance.now();
warmUp().then(
  () =>
    parentPort?.postMessage({
      type: 'ready',
      threadId,
      loadMs: faceAnalyzerLoadMs() ?? performance.now() - started,
    }),
  (error: unknown) =>
    parentPort?.postMessage({
      type: 'load-failed',
      message: error instanceof Error ? error.message : String(error),
    }),
);

parentPort?.on('message', async (message: Request) => {
  if (message.type !== 'analyze') return;
  try {
    const image = Buffer.from(message.image);
    const result =
      message.depth === 'locate'
        ? await locateFacesInThisThread(image)
        : await analyzeFacesInThisThread(image);
    parentPort?.postMessage({ type: 'result', result });
  } catch (error) {
    parentPort?.postMessage({
      type: 'error',
      code: error instanceof FaceAnalyzerError ? error.code : undefined,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
