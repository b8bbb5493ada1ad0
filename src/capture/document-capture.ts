import type { DocumentKind, Quad } from '../analysis/types.js';
import type { AnalysisClient } from './analysis-client.js';
import type { DocumentFrameResult } from './analysis-protocol.js';
import { AutoCapture, type AutoCaptureOptions, type Captured } from './auto-capture.js';

export type { CaptureMethod } from './auto-capture.js';

/** A document still at full source resolution with the checks it passed or failed. */
export type CapturedImage = Captured<DocumentFrameResult>;

export interface DocumentCaptureOptions extends AutoCaptureOptions<DocumentFrameResult> {
  analysis: AnalysisClient;
  side: 'front' | 'back';
  kind?: DocumentKind;
  /**
   * Barcode that must decode before the side is accepted: `pdf417` on the back of US / CA driving licences
   * (BARCODE_UNREADABLE otherwise). zxing loads in the background when this step starts.
   */
  barcode?: 'pdf417';
}

/**
 * Live document capture (see {@link AutoCapture}): card checks in the analysis worker, the face on the card and the
 * licence barcode checked on the final still.
 */
export class DocumentCapture extends AutoCapture<DocumentFrameResult> {
  private previousQuad: Quad | undefined;
  /** The face runtime failed to load: the face-on-card check is skipped live and on stills alike. */
  private facesUnavailable = false;

  constructor(private readonly options: DocumentCaptureOptions) {
    super(options, 0.95);
  }

  private get wantsFace(): boolean {
    return this.options.side === 'front' && !this.facesUnavailable;
  }

  protected override onStart(): void {
    if (this.options.barcode) this.options.analysis.preload('barcode').catch(() => undefined);
    // The face on the card is part of the live verdict (see passing below): load the detector while the user
    // places the card, so the first good frames can already be judged whole.
    if (this.wantsFace) {
      this.options.analysis.preload('faces').catch(() => {
        this.facesUnavailable = true;
      });
    }
  }

  protected override async assessFrame(
    full: ImageBitmap,
  ): Promise<{ result: DocumentFrameResult; passing: boolean }> {
    // The worker checks a 640-wide copy either way; a licence back goes larger because the barcode is read from
    // the frame as sent, and PDF417 modules need ~2 px each.
    const small = await createImageBitmap(full, {
      resizeWidth: Math.min(this.options.barcode ? 1280 : 640, full.width),
      resizeQuality: 'medium',
    });
    const result = await this.options.analysis.document(small, {
      side: this.options.side,
      kind: this.options.kind,
      faceCheck: 'if-ready',
      barcode: this.options.barcode,
      previousQuad: this.previousQuad,
      captureResolution: { width: full.width, height: full.height },
    });
    // the worker saw a smaller copy: report scale against the full frame
    result.scale = full.width / result.analysisWidth;
    this.previousQuad = result.quad;
    // While zxing or the face detector is still loading, the barcode or the face on the card is unchecked: such
    // frames give feedback but do not count, so what auto-capture takes has had every check.
    const barcodeDone = !this.options.barcode || result.barcodeCheck === 'done';
    const faceDone = !this.wantsFace || result.faceCheck === 'done';
    return { result, passing: result.ok && barcodeDone && faceDone };
  }

  protected override async assessStill(bitmap: ImageBitmap): Promise<DocumentFrameResult> {
    // The barcode is read from the frame as sent, so a licence back goes at full resolution (the worker still
    // runs the other checks on a 640-wide copy).
    const check = this.options.barcode
      ? await createImageBitmap(bitmap)
      : await createImageBitmap(bitmap, {
          resizeWidth: Math.min(640, bitmap.width),
          resizeQuality: 'medium',
        });
    const assessment = await this.options.analysis.document(check, {
      side: this.options.side,
      kind: this.options.kind,
      faceCheck: this.wantsFace ? 'wait' : 'skip',
      barcode: this.options.barcode,
      barcodeCheck: 'wait',
      // the check copy is downscaled: judge resolution on the still that will be uploaded
      captureResolution: { width: bitmap.width, height: bitmap.height },
    });
    assessment.scale = bitmap.width / assessment.analysisWidth;
    return assessment;
  }
}
