/// <reference lib="webworker" />
/**
 * The analysis worker: one engine, requests answered in order. Document checks need no download; the face
 * runtime loads on the first face request or on `preload-faces`, reporting progress as it goes.
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
      case 'preload-faces':
        await Promise.all([requireEngine().faces.getDetector(), requireEngine().faces.getLandmarker()]);
        post({ type: 'faces-ready' });
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
          post({ type: 'face', id: msg.id, result: await requireEngine().face(msg.frame, msg.timestampMs) });
        } finally {
          msg.frame.close();
        }
        break;
      case 'dispose':
        await engine?.dispose();
        engine = undefined;
        break;
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code =
      /fetch|load|wasm|model|Failed to/i.test(message) && msg.type !== 'document'
        ? 'ASSET_LOAD_FAILED'
        : 'ANALYSIS_FAILED';
    post({ type: 'error', id, code, message });
  }
});
