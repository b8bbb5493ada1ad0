/**
 * The face analysis thread (see `runFaceAnalysisInWorker` in face-analyzer.ts): loads the models once and answers
 * one analysis at a time, so the server's own thread never computes a face.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { analyzeFacesInThisThread, type DetectFacesOptions, FaceAnalyzerError } from './face-analyzer.js';

type Request =
  | { type: 'analyze'; id: number; image: ArrayBuffer; opts: DetectFacesOptions }
  | { type: 'thread-id'; id: number };

parentPort?.on('message', async (message: Request) => {
  if (message.type === 'thread-id') {
    parentPort?.postMessage({ id: message.id, threadId });
    return;
  }
  try {
    const result = await analyzeFacesInThisThread(Buffer.from(message.image), message.opts);
    parentPort?.postMessage({ id: message.id, result });
  } catch (error) {
    const code = error instanceof FaceAnalyzerError ? error.code : undefined;
    parentPort?.postMessage({
      id: message.id,
      error: { code, message: error instanceof Error ? error.message : String(error) },
    });
  }
});
