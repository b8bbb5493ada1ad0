/**
 * RGBA pixels of a camera frame at analysis size: the whole frame for the document checks, a face box for the
 * selfie checks. A whole frame that already has the analysis size (the widget sends 640-px frames) is copied with
 * WebCodecs' `VideoFrame.copyTo` into a buffer kept across frames: about a third of the cost of drawing it on a
 * canvas and calling `getImageData`, and no fresh megabyte per frame for the page to fault in and the collector to
 * sweep. Larger frames, and browsers without `VideoFrame` RGBA copies, go through the canvas. Both give the same
 * pixels.
 */
import type { FrameLike } from '../analysis/types.js';

type CopyPath = 'untried' | 'video-frame' | 'canvas';

export interface FramePixels {
  /** RGBA pixels, valid until the next `read`: the buffer is reused. */
  image: FrameLike;
  /** Source pixels per analysis pixel (1 when the frame already had the analysis width). */
  scale: number;
}

export class FramePixelReader {
  private buffer: Uint8ClampedArray | undefined;
  private rectCanvas: OffscreenCanvas | undefined;
  private canvas: OffscreenCanvas | undefined;
  /** Set by the first frame: later frames do not try a path that failed. */
  private path: CopyPath = typeof VideoFrame === 'function' ? 'untried' : 'canvas';

  constructor(private readonly analysisWidth: number) {}

  /** Which copy the reader settled on ('untried' before the first frame of analysis size). */
  get copyPath(): CopyPath {
    return this.path;
  }

  async read(frame: ImageBitmap): Promise<FramePixels> {
    const scale = Math.max(1, frame.width / this.analysisWidth);
    const width = Math.round(frame.width / scale);
    const height = Math.round(frame.height / scale);
    if (scale === 1 && this.path !== 'canvas') {
      const image = await this.copyVideoFrame(frame, width, height);
      if (image) return { image, scale };
    }
    return { image: this.drawn(frame).getImageData(0, 0, width, height), scale };
  }

  private async copyVideoFrame(
    frame: ImageBitmap,
    width: number,
    height: number,
  ): Promise<FrameLike | undefined> {
    const size = width * height * 4;
    if (this.buffer?.length !== size) this.buffer = new Uint8ClampedArray(size);
    let videoFrame: VideoFrame | undefined;
    try {
      videoFrame = new VideoFrame(frame, { timestamp: 0 });
      // RGBA in sRGB whatever the source layout (BGRA from a bitmap, I420 from some cameras).
      await videoFrame.copyTo(this.buffer, { format: 'RGBA', colorSpace: 'srgb' });
      this.path = 'video-frame';
      return { data: this.buffer, width, height };
    } catch {
      // Browsers without RGB conversion in copyTo (Chromium < 127, older WebKit): the canvas from now on.
      this.path = 'canvas';
      return undefined;
    } finally {
      videoFrame?.close();
    }
  }

  /**
   * RGBA of an integer rectangle of a frame that already has the analysis size: only that rectangle is drawn on a
   * small canvas and read back (a face box: a fraction of drawing the whole frame first). Undefined for a frame
   * that must be scaled: read it from the frame drawn at analysis size then.
   */
  readRect(
    frame: ImageBitmap,
    rect: { x: number; y: number; width: number; height: number },
  ): FrameLike | undefined {
    if (frame.width > this.analysisWidth) return undefined;
    if (!this.rectCanvas || this.rectCanvas.width < rect.width || this.rectCanvas.height < rect.height) {
      this.rectCanvas = new OffscreenCanvas(
        Math.max(rect.width, this.rectCanvas?.width ?? 0),
        Math.max(rect.height, this.rectCanvas?.height ?? 0),
      );
    }
    const ctx = this.rectCanvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(frame, rect.x, rect.y, rect.width, rect.height, 0, 0, rect.width, rect.height);
    return ctx.getImageData(0, 0, rect.width, rect.height);
  }

  /** The frame drawn at analysis size on the reader's canvas, to read regions of it. */
  drawn(frame: ImageBitmap): OffscreenCanvasRenderingContext2D {
    const scale = Math.max(1, frame.width / this.analysisWidth);
    const width = Math.round(frame.width / scale);
    const height = Math.round(frame.height / scale);
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new OffscreenCanvas(width, height);
    }
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(frame, 0, 0, width, height);
    return ctx;
  }
}
