/**
 * OCR for the document readers: one tesseract.js worker for the process, started on first use, fed one job at a
 * time. The LSTM engine and its `eng` traineddata come from npm (`tesseract.js-core`, `@tesseract.js-data/eng`)
 * and are read from disk: tesseract.js would otherwise download the traineddata from a CDN.
 *
 * One worker, not a scheduler: the server shares a 2-core machine with the face analysis thread and the HTTP
 * loop, and a tesseract job already keeps one core busy; a second worker would only slow both jobs down.
 *
 * Every call is bounded in time (waiting in line included). tesseract.js cannot cancel a job, so a job that runs
 * past its bound terminates the worker (the next call starts a fresh one) and its caller gets `OCR_TIMEOUT`.
 * Recognized text is the holder's personal data: this module never logs or stores it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';

export type OcrErrorCode = 'OCR_TIMEOUT' | 'OCR_FAILED';

export class OcrError extends Error {
  override readonly name = 'OcrError';
  constructor(
    readonly code: OcrErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A grey image, one byte per pixel, row-major. */
export interface GreyImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

export interface OcrOptions {
  /** Characters tesseract may output; everything else is never proposed. Default: no restriction. */
  whitelist?: string;
  /** Page segmentation: one block of lines (default), one line, or find text anywhere (sparse). */
  layout?: 'block' | 'line' | 'sparse';
  /** Bound on the whole call, waiting in line included (default 8000 ms). */
  timeoutMs?: number;
}

export interface OcrSymbol {
  text: string;
  /** 0–100, tesseract's confidence in this character. */
  confidence: number;
  /** Pixels of the recognized image. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrWord {
  text: string;
  confidence: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrLine extends OcrWord {
  words: OcrWord[];
  symbols: OcrSymbol[];
}

export interface OcrResult {
  lines: OcrLine[];
  /** Time spent by tesseract on this image (queueing excluded). */
  ms: number;
}

export const DEFAULT_OCR_TIMEOUT_MS = 8000;

const LAYOUT_PSM: Record<NonNullable<OcrOptions['layout']>, PSM> = {
  block: PSM.SINGLE_BLOCK,
  line: PSM.SINGLE_LINE,
  sparse: PSM.SPARSE_TEXT,
};

/** Directory of the integer-quantized "best" LSTM model in `@tesseract.js-data/eng` (accurate and compact). */
function traineddataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');
}

interface Engine {
  worker: Worker;
  /** Parameters last set on the worker, so a call changes only what differs. */
  params: Record<string, string>;
}

let engine: Promise<Engine> | undefined;
/** Tail of the job queue: each call starts when the one before it settled. */
let queue: Promise<unknown> = Promise.resolve();

function startEngine(): Promise<Engine> {
  const started = createWorker('eng', OEM.LSTM_ONLY, {
    langPath: traineddataDir(),
    cacheMethod: 'none',
    gzip: true,
    // tesseract.js logs progress and errors to the console by default; our callers map errors themselves.
    logger: () => {},
    errorHandler: () => {},
  }).then((worker) => ({ worker, params: {} }));
  started.catch(() => {
    if (engine === started) engine = undefined;
  });
  return started;
}

async function terminate(current: Promise<Engine> | undefined): Promise<void> {
  if (!current) return;
  if (engine === current) engine = undefined;
  try {
    await (await current).worker.terminate();
  } catch {
    // A worker that failed to start or already died has nothing left to end.
  }
}

/** PNG bytes of a grey image (what tesseract.js reads in Node). */
export function greyPng(image: GreyImage): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.width * image.height), {
    raw: { width: image.width, height: image.height, channels: 1 },
  })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

interface TesseractSymbol {
  text: string;
  confidence: number;
  bbox: { x0: number; y0: number; x1: number; y1: number };
}
interface TesseractLine {
  text: string;
  confidence: number;
  bbox: { x0: number; y0: number; x1: number; y1: number };
  words: Array<{
    text: string;
    confidence: number;
    bbox: TesseractSymbol['bbox'];
    symbols: TesseractSymbol[];
  }>;
}

function linesOf(blocks: Array<{ paragraphs: Array<{ lines: TesseractLine[] }> }> | null): OcrLine[] {
  const lines: OcrLine[] = [];
  for (const block of blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        const symbols = line.words.flatMap((w) =>
          w.symbols.map((s) => ({ text: s.text, confidence: s.confidence, ...s.bbox })),
        );
        lines.push({
          text: line.text.replace(/\n$/, ''),
          confidence: line.confidence,
          ...line.bbox,
          words: line.words.map((w) => ({ text: w.text, confidence: w.confidence, ...w.bbox })),
          symbols,
        });
      }
    }
  }
  return lines;
}

/**
 * Recognizes the text of a grey image. Rejects with `OcrError` `OCR_TIMEOUT` past `timeoutMs`, `OCR_FAILED`
 * when tesseract cannot start or read the image.
 */
export function recognizeText(image: GreyImage, options: OcrOptions = {}): Promise<OcrResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_OCR_TIMEOUT_MS;
  const deadline = performance.now() + timeoutMs;
  let timedOut = false;
  let running: Promise<Engine> | undefined;
  const job = queue.then(async (): Promise<OcrResult> => {
    if (timedOut) throw new OcrError('OCR_TIMEOUT', 'OCR timed out waiting for the worker');
    const png = await greyPng(image);
    // Timed out while the image was encoded: the queue has moved on (and may have been closed); start nothing.
    if (timedOut) throw new OcrError('OCR_TIMEOUT', 'OCR timed out');
    engine ??= startEngine();
    running = engine;
    let current: Engine;
    try {
      current = await running;
    } catch (err) {
      throw new OcrError('OCR_FAILED', 'the OCR worker could not start', { cause: err });
    }
    const wanted: Record<string, string> = {
      tessedit_char_whitelist: options.whitelist ?? '',
      tessedit_pageseg_mode: LAYOUT_PSM[options.layout ?? 'block'],
      // Our images carry no resolution; without one tesseract warns on stderr for every call.
      user_defined_dpi: '300',
      // tesseract prints diagnostics ("Detected 14 diacritics") to the process's stdout otherwise.
      debug_file: '/dev/null',
    };
    const changed = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current.params[k] !== v));
    const started = performance.now();
    try {
      if (Object.keys(changed).length > 0) {
        await current.worker.setParameters(changed);
        Object.assign(current.params, changed);
      }
      if (timedOut) throw new OcrError('OCR_TIMEOUT', 'OCR timed out');
      const { data } = await current.worker.recognize(png, {}, { text: false, blocks: true });
      return {
        lines: linesOf(data.blocks as unknown as Parameters<typeof linesOf>[0]),
        ms: performance.now() - started,
      };
    } catch (err) {
      if (err instanceof OcrError) throw err;
      throw new OcrError('OCR_FAILED', 'OCR could not read the image', { cause: err });
    }
  });
  const bounded = new Promise<OcrResult>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        timedOut = true;
        // A job that is running cannot be cancelled: end its worker; the next call starts a new one.
        void terminate(running);
        reject(new OcrError('OCR_TIMEOUT', `OCR took longer than ${timeoutMs} ms`));
      },
      Math.max(0, deadline - performance.now()),
    );
    job.then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
  // The next job waits for this one to end or time out (a terminated worker may never answer).
  queue = bounded.catch(() => undefined);
  return bounded;
}

/** Starts the worker ahead of the first call (≈ 0.6 s: wasm compile and traineddata load). */
export async function prepareOcr(): Promise<void> {
  engine ??= startEngine();
  try {
    await engine;
  } catch (err) {
    throw new OcrError('OCR_FAILED', 'the OCR worker could not start', { cause: err });
  }
}

/** Ends the worker (shutdown, tests); a later call starts a new one. */
export async function closeOcr(): Promise<void> {
  // Jobs still queued may start an engine (the first call, or the next after a timeout ended one): let them all
  // settle, then end whichever engine is current.
  let tail: Promise<unknown>;
  do {
    tail = queue;
    await tail;
  } while (tail !== queue);
  await terminate(engine);
}
