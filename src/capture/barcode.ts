/**
 * PDF417 check for the back of US / Canadian driving licences: the card is warped upright from its quad, then
 * zxing-wasm (reader build, wasm served from our own `asset-base`) must decode an AAMVA payload from it, so an
 * unreadable barcode is caught before upload. The reader is imported and instantiated on first use only: pages
 * that never show a licence back never download it.
 */
import type { Quad } from '../analysis/types.js';
import { rectifyQuadLuma } from '../analysis/rectify.js';
import { assetUrl } from './asset-manifest.js';

/** What a barcode read of one frame found. */
export type BarcodeStatus =
  /** A PDF417 decoded and carries an AAMVA header. */
  | 'decoded'
  /** No PDF417 could be decoded (blur, glare, cut off, too small). */
  | 'unreadable'
  /** A PDF417 decoded, but its text is not an AAMVA DL/ID record. */
  | 'not-aamva';

export interface BarcodeReadResult {
  status: BarcodeStatus;
  /** The decoded text (text mode Plain). It is the holder's personal data: keep it on the device, never log it. */
  text?: string;
  /** Size of the upright card image that was decoded. */
  width: number;
  height: number;
  ms: number;
}

export type BarcodeErrorCode = 'BARCODE_READER_LOAD_FAILED';

export class BarcodeReaderError extends Error {
  override readonly name = 'BarcodeReaderError';
  constructor(
    readonly code: BarcodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface BarcodeReaderOptions {
  assetBase: string;
  /** Longest side of the upright card handed to zxing (default 1400 px): enough for ~3 px per PDF417 module. */
  maxCardWidth?: number;
  /** Cards seen smaller than this are upsampled to it first (default 1000 px); zxing's binarizer likes ≥ 2 px modules. */
  minCardWidth?: number;
}

/** ID-1 card proportions (85.60 × 53.98 mm): the upright image keeps them whatever the perspective. */
const ID1_ASPECT = 85.6 / 53.98;

/**
 * AAMVA DL/ID header: compliance indicator `@`, data element separator LF, record separator RS, segment
 * terminator CR, then the file type `ANSI ` (current standard; `AAMVA` on pre-2000 cards) and a 6-digit IIN.
 */
const AAMVA_SEPARATORS = '@\n\x1e\r';
const AAMVA_FILE_TYPE = /^(?:ANSI |AAMVA)\d{6}/;

/** True when `text` starts like an AAMVA DL/ID record (what a PDF417 on a US / CA licence carries). */
export function isAamvaPayload(text: string): boolean {
  return text.startsWith(AAMVA_SEPARATORS) && AAMVA_FILE_TYPE.test(text.slice(AAMVA_SEPARATORS.length));
}

/**
 * The region of `image` inside `quad` (TL, TR, BR, BL, pixels of `image`) resampled into an upright
 * `width × height` grey image (bilinear), returned as RGBA for zxing. zxing-cpp's PDF417 reader fails beyond a
 * couple of degrees of rotation, so warping the card level first is what makes hand-held frames readable.
 */
export function warpQuadToRectangle(
  image: { data: Uint8ClampedArray; width: number; height: number },
  quad: Quad,
  width: number,
  height: number,
): ImageData {
  const out = new Uint8ClampedArray(width * height * 4).fill(255);
  const luma = rectifyQuadLuma(image, quad, width, height);
  if (luma) {
    for (let i = 0, o = 0; i < luma.length; i++, o += 4) {
      out[o] = luma[i]!;
      out[o + 1] = luma[i]!;
      out[o + 2] = luma[i]!;
    }
  }
  return new ImageData(out, width, height);
}

type ZXingReader = typeof import('zxing-wasm/reader');

/**
 * Decodes the PDF417 on a licence back. One per analysis worker; `load()` is idempotent.
 *
 * @example
 * const reader = new BarcodeReader({ assetBase: '/sdk/assets' });
 * const { status } = await reader.readCard(frameBitmap, quadInFramePixels);
 * if (status !== 'decoded') issues.push('BARCODE_UNREADABLE');
 */
export class BarcodeReader {
  private module: Promise<ZXingReader> | undefined;
  private loaded = false;
  private canvas: OffscreenCanvas | undefined;

  constructor(private readonly options: BarcodeReaderOptions) {}

  /** True once the wasm is instantiated: a read will not wait for a download. */
  get ready(): boolean {
    return this.loaded;
  }

  /** Imports the reader and instantiates its wasm from `asset-base` (never the package's default CDN). */
  load(): Promise<ZXingReader> {
    this.module ??= (async () => {
      try {
        const zxing = await import('zxing-wasm/reader');
        const wasmUrl = new URL(
          assetUrl(this.options.assetBase, 'zxingReaderWasm'),
          globalThis.location?.href,
        ).href;
        await zxing.prepareZXingModule({
          overrides: {
            // Every file the Emscripten glue asks for comes from our asset-base; it only asks for the wasm.
            locateFile: (path: string) => (path.endsWith('.wasm') ? wasmUrl : new URL(path, wasmUrl).href),
          },
          fireImmediately: true,
        });
        this.loaded = true;
        return zxing;
      } catch (err) {
        this.module = undefined;
        throw new BarcodeReaderError(
          'BARCODE_READER_LOAD_FAILED',
          `could not load the barcode reader from ${this.options.assetBase}`,
          { cause: err },
        );
      }
    })();
    return this.module;
  }

  /**
   * Reads the PDF417 of the card at `quad` (corners TL, TR, BR, BL in `source` pixels). The card is cropped,
   * warped upright at ID-1 proportions and decoded in plain text mode; the text must carry an AAMVA header.
   */
  async readCard(source: ImageBitmap | OffscreenCanvas, quad: Quad): Promise<BarcodeReadResult> {
    const zxing = await this.load();
    const t0 = performance.now();
    const xs = quad.map((p) => p.x);
    const ys = quad.map((p) => p.y);
    const left = Math.max(0, Math.floor(Math.min(...xs)));
    const top = Math.max(0, Math.floor(Math.min(...ys)));
    const right = Math.min(source.width, Math.ceil(Math.max(...xs)));
    const bottom = Math.min(source.height, Math.ceil(Math.max(...ys)));
    const cropW = Math.max(1, right - left);
    const cropH = Math.max(1, bottom - top);
    if (!this.canvas || this.canvas.width !== cropW || this.canvas.height !== cropH) {
      this.canvas = new OffscreenCanvas(cropW, cropH);
    }
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(source, left, top, cropW, cropH, 0, 0, cropW, cropH);
    const crop = ctx.getImageData(0, 0, cropW, cropH);
    const local = quad.map((p) => ({ x: p.x - left, y: p.y - top })) as Quad;

    const seenWidth =
      (Math.hypot(quad[1].x - quad[0].x, quad[1].y - quad[0].y) +
        Math.hypot(quad[2].x - quad[3].x, quad[2].y - quad[3].y)) /
      2;
    const seenHeight =
      (Math.hypot(quad[3].x - quad[0].x, quad[3].y - quad[0].y) +
        Math.hypot(quad[2].x - quad[1].x, quad[2].y - quad[1].y)) /
      2;
    // A card held in portrait: warp it so its long side is horizontal (the rows of the PDF417 then run level).
    const portrait = seenHeight > seenWidth;
    const ordered = (portrait ? [local[3], local[0], local[1], local[2]] : local) as Quad;
    const width = Math.round(
      Math.min(
        this.options.maxCardWidth ?? 1400,
        Math.max(this.options.minCardWidth ?? 1000, Math.max(seenWidth, seenHeight)),
      ),
    );
    const height = Math.round(width / ID1_ASPECT);
    const upright = warpQuadToRectangle(crop, ordered, width, height);
    const results = await zxing.readBarcodes(upright, {
      formats: ['PDF417'],
      textMode: 'Plain',
      tryHarder: true,
      // Upside-down cards: the warp keeps the card level, zxing turns it.
      tryRotate: true,
      tryInvert: false,
      maxNumberOfSymbols: 1,
    });
    const found = results.find((r) => r.isValid && r.text.length > 0);
    const ms = performance.now() - t0;
    if (!found) return { status: 'unreadable', width, height, ms };
    return {
      status: isAamvaPayload(found.text) ? 'decoded' : 'not-aamva',
      text: found.text,
      width,
      height,
      ms,
    };
  }
}
