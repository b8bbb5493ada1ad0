/**
 * Runs inside the capture benchmark's page (bundled into its engine.js): what the widget does from the camera
 * step's start to its first document result.
 */
import type { AnalysisClient } from '../src/capture/analysis-client.js';
import type { DocumentFrameResult } from '../src/capture/analysis-protocol.js';
import { Camera } from '../src/capture/camera.js';

export interface FirstDocumentResult {
  video: HTMLVideoElement;
  camera: Camera;
  /** `performance.now()` when the video played. */
  cameraReadyAt: number;
  result: DocumentFrameResult;
}

/**
 * Starts the (fake) camera on a new video element and analyses its first frame as the widget does: a copy at most
 * 640 px wide, judged against the resolution of the still that would be taken.
 */
export async function firstDocumentResult(client: AnalysisClient): Promise<FirstDocumentResult> {
  const video = document.createElement('video');
  document.body.append(video);
  const camera = new Camera();
  await camera.start(video, { purpose: 'document' });
  const cameraReadyAt = performance.now();
  const full = await createImageBitmap(video);
  const small = await createImageBitmap(full, {
    resizeWidth: Math.min(640, full.width),
    resizeQuality: 'medium',
  });
  const result = await client.document(small, {
    side: 'front',
    kind: 'id1',
    captureResolution: { width: full.width, height: full.height },
  });
  return { video, camera, cameraReadyAt, result };
}
