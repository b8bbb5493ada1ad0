/// <reference lib="webworker" />
/**
 * The analysis worker: one engine, requests answered in order. Document checks need no download; the face
 * runtime loads on the first face request or on `preload-faces`, reporting progress as it goes; the barcode
 * reader on the first licence back or on `preload-barcode`.
 */
import type { AnalysisRequest, AnalysisResponse } from './analysis-protocol.js';
import { AnalysisEngine } from './analysis-engine.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let engine: AnalysisEngine | undefined;

function post(message: AnalysisResponse): void {
  scope.postMessage(message);
}

function requireEngine(): AnalysisEngine {
  if (!engine) throw new Error('analysis worker used before configure');
  return engine;
}

scope.addEventListener('message', async (event: MessageEvent<AnalysisRequest>) => {
  const msg = event.data;
  const id = 'id' in msg ? msg.id : undefined;
  try {
    switch (msg.type) {
      case 'configure':
        engine = new AnalysisEngine({
          assetBase: msg.assetBase,
          profile: msg.profile,
          analysisWidth: msg.analysisWidth,
          onProgress: (stage, done, total) => post({ type: 'progress', stage, done, total }),
        });
        break;
      case 'warm-up':
        // Asked for by `prepare()` (at consent), so the first camera frame runs compiled code. Not awaited: frames
        // arriving meanwhile are answered at once and end the warm-up. Never started without that request: a frame
        // sent straight after start-up would otherwise wait behind a cold warm-up frame (measured: 290–390 ms to
        // the first result instead of 200–280).
        requireEngine()
          .warmUp()
          // Only a speed-up: when it fails the first real frame simply runs cold.
          .catch(() => undefined)
          .then(() => post({ type: 'ready' }));
        break;
      case 'preload-faces':
        await requireEngine().preloadFaces();
        post({ type: 'faces-ready' });
        break;
      case 'preload-barcode':
        await requireEngine().barcodes.load();
        post({ type: 'barcode-ready' });
        break;
      case 'document':
        try {
          post({
            type: 'document',
            id: msg.id,
            result: await requireEngine().document(msg.frame, msg.options),
          });
        } finally {
          msg.frame.close();
        }
        break;
      case 'face':
        try {
          post({
            type: 'face',
            id: msg.id,
            result: await requireEngine().face(msg.frame, msg.timestampMs, msg.options),
          });
        } finally {
          msg.frame.close();
        }
        // After the answer, in the time until the camera's next frame. A failure only leaves the last findings.
        await engine?.runIdleWork().catch(() => undefined);
        break;
      case 'dispose':
        await engine?.dispose();
        engine = undefined;
        break;
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const typed = (err as { code?: unknown } | undefined)?.code;
    const code =
      typed === 'BARCODE_READER_LOAD_FAILED' ||
      (/fetch|load|wasm|model|Failed to/i.test(message) && msg.type !== 'document')
        ? 'ASSET_LOAD_FAILED'
        : 'ANALYSIS_FAILED';
    const preload =
      msg.type === 'preload-faces' ? 'faces' : msg.type === 'preload-barcode' ? 'barcode' : undefined;
    post({ type: 'error', id, preload, code, message });
  }
});
