import type { AnalysisClient } from './analysis-client.js';
import type { FaceFrameResult } from './analysis-protocol.js';
import { AutoCapture, type AutoCaptureOptions, type Captured } from './auto-capture.js';

/** A selfie at full source resolution with the checks it passed or failed. */
export type CapturedFace = Captured<FaceFrameResult>;

export interface FaceCaptureOptions extends AutoCaptureOptions<FaceFrameResult> {
  analysis: AnalysisClient;
}

/**
 * Live selfie capture (see {@link AutoCapture}): face landmarks per frame (MediaPipe in the worker); auto-capture
 * when one frontal, centred, sharp face with open eyes holds for N frames.
 */
export class FaceCapture extends AutoCapture<FaceFrameResult> {
  constructor(private readonly options: FaceCaptureOptions) {
    super(options, 0.92);
  }

  protected override async assessFrame(
    full: ImageBitmap,
    timeMs: number,
  ): Promise<{ result: FaceFrameResult; passing: boolean }> {
    const small = await createImageBitmap(full, {
      resizeWidth: Math.min(640, full.width),
      resizeQuality: 'medium',
    });
    const result = await this.options.analysis.face(small, timeMs);
    return { result, passing: result.ok };
  }

  protected override async assessStill(bitmap: ImageBitmap): Promise<FaceFrameResult> {
    const check = await createImageBitmap(bitmap, {
      resizeWidth: Math.min(640, bitmap.width),
      resizeQuality: 'medium',
    });
    // The still is what gets uploaded: look for a second face on it now, not at the next periodic search.
    return this.options.analysis.face(check, performance.now(), { otherFaces: 'now' });
  }
}
