/**
 * PDF417 decoding on the server (the barcode on the back of US and Canadian driving licences and ID cards), with
 * zxing-wasm's reader build. Its wasm is read from the npm package on disk and handed to the module
 * (`overrides.wasmBinary`): zxing-wasm would otherwise fetch it from a CDN.
 *
 * Text mode `Plain`: AAMVA records carry control characters (LF, RS, CR) that the parser needs; the default
 * `HRI` mode escapes them. zxing tries the four right-angle rotations itself (`tryRotate`), but zxing-cpp's
 * PDF417 reader fails beyond 2–3° of in-plane rotation and on modules under ~2 px, so a photo that does not read
 * level is retried rotated by a few degrees and, when small, upscaled. Every attempt is a synchronous wasm call
 * of 0.1–0.3 s on a card-sized image; the attempts stop at the time bound. The decoded text is the holder's
 * personal data: nothing here logs it.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { prepareZXingModule, type ReadResult, readBarcodes } from 'zxing-wasm/reader';
import { type RgbaFrame, resizeGrey, sampleBilinear, toGrey, type Grey } from './text-lines.js';

export interface Pdf417Reading {
  status: 'READ' | 'NOT_FOUND';
  /** The decoded text (plain mode: AAMVA separators kept). */
  text?: string;
  /** The symbol's bytes as encoded (for binary payloads; AAMVA is ASCII, `text` is enough). */
  bytes?: Uint8Array;
  /** In-plane rotation (degrees, clockwise) that made the symbol read; zxing's own right-angle turns aside. */
  rotation?: number;
  /** Set when the attempts ran out of time before one read. */
  error?: 'BARCODE_TIMEOUT';
  ms: number;
}

export interface ReadPdf417Options {
  /** Bound on the whole read (default 4000 ms). An attempt already started finishes (≤ 0.3 s). */
  timeoutMs?: number;
}

/** Longest side zxing is given: enough for 3 px modules on a licence back filling a 12 MP photo's width. */
const MAX_SIDE = 2400;
/** Below this width a card's PDF417 modules are too thin for zxing's binarizer: upscale first. */
const MIN_WIDTH = 1000;
/** In-plane rotations tried after the image as it is (degrees). */
const SKEWS = [-3, 3, -6, 6, -10, 10];
const DEFAULT_TIMEOUT_MS = 4000;

let module: Promise<void> | undefined;

/** Instantiates zxing's reader wasm from node_modules (once per process). */
export function prepareBarcodeReader(): Promise<void> {
  module ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasm = await readFile(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
    const wasmBinary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer;
    await prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
  })();
  module.catch(() => {
    module = undefined;
  });
  return module;
}

function greyToRgba(g: Grey): { data: Uint8ClampedArray; width: number; height: number } {
  const data = new Uint8ClampedArray(g.width * g.height * 4);
  for (let i = 0, o = 0; i < g.data.length; i++, o += 4) {
    data[o] = data[o + 1] = data[o + 2] = g.data[i]!;
    data[o + 3] = 255;
  }
  return { data, width: g.width, height: g.height };
}

/** `g` rotated by `degrees` about its centre, on a canvas large enough to keep every pixel (white outside). */
function rotateGrey(g: Grey, degrees: number): Grey {
  const a = (degrees * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const width = Math.ceil(Math.abs(g.width * cos) + Math.abs(g.height * sin));
  const height = Math.ceil(Math.abs(g.width * sin) + Math.abs(g.height * cos));
  const out = new Uint8Array(width * height);
  const cx = g.width / 2;
  const cy = g.height / 2;
  for (let y = 0; y < height; y++) {
    const dy = y + 0.5 - height / 2;
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - width / 2;
      out[y * width + x] = sampleBilinear(g, cx + dx * cos + dy * sin - 0.5, cy - dx * sin + dy * cos - 0.5);
    }
  }
  return { data: out, width, height };
}

async function decode(g: Grey): Promise<ReadResult | undefined> {
  let results: ReadResult[];
  try {
    results = await readBarcodes(greyToRgba(g) as unknown as ImageData, {
      formats: ['PDF417'],
      textMode: 'Plain',
      tryHarder: true,
      tryRotate: true,
      tryInvert: false,
      maxNumberOfSymbols: 1,
    });
  } catch {
    // zxing refuses images it cannot process (degenerate sizes): nothing decoded.
    return undefined;
  }
  return results.find((r) => r.isValid && r.text.length > 0);
}

/** Decodes the PDF417 in an image (a licence back, rectified or photographed). Never throws for bad input. */
export async function readPdf417(image: RgbaFrame, options: ReadPdf417Options = {}): Promise<Pdf417Reading> {
  const started = performance.now();
  const deadline = started + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const ms = () => Math.round(performance.now() - started);
  await prepareBarcodeReader();
  if (image.width < 16 || image.height < 16) return { status: 'NOT_FOUND', ms: ms() };
  let grey = toGrey(image);
  const longest = Math.max(grey.width, grey.height);
  if (longest > MAX_SIDE) {
    const k = MAX_SIDE / longest;
    grey = resizeGrey(grey, Math.round(grey.width * k), Math.round(grey.height * k));
  } else if (grey.width < MIN_WIDTH && grey.height < MIN_WIDTH) {
    const k = MIN_WIDTH / Math.max(grey.width, grey.height);
    grey = resizeGrey(grey, Math.round(grey.width * k), Math.round(grey.height * k));
  }
  for (const skew of [0, ...SKEWS]) {
    if (skew !== 0 && performance.now() > deadline)
      return { status: 'NOT_FOUND', error: 'BARCODE_TIMEOUT', ms: ms() };
    const found = await decode(skew === 0 ? grey : rotateGrey(grey, skew));
    if (found) return { status: 'READ', text: found.text, bytes: found.bytes, rotation: skew, ms: ms() };
  }
  return { status: 'NOT_FOUND', ms: ms() };
}
