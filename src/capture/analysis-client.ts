import type { CaptureProfile } from '../analysis/types.js';
import type {
  AnalysisErrorCode,
  AnalysisRequest,
  AnalysisResponse,
  DocumentFrameOptions,
  DocumentFrameResult,
  FaceFrameOptions,
  FaceFrameResult,
} from './analysis-protocol.js';
import type { FaceRuntimeStage } from './face-runtime.js';

const NativeWorker = (globalThis.Worker ?? class {}) as typeof globalThis.Worker;

/**
 * Browsers refuse a worker script from another origin, which is where the SDK lives when a customer page embeds it
 * from idv-server. Then a same-origin blob module imports the real (CORS-served) worker script. Named `Worker` so
 * bundlers still recognise `new Worker(new URL(…, import.meta.url))` and emit the worker chunk.
 */
class Worker extends NativeWorker {
  constructor(url: string | URL, options?: WorkerOptions) {
    const target = new URL(url, globalThis.location?.href);
    if (globalThis.location && target.origin !== globalThis.location.origin && target.protocol !== 'blob:') {
      const loader = new Blob([`import ${JSON.stringify(target.href)};`], { type: 'text/javascript' });
      super(URL.createObjectURL(loader), options);
    } else {
      super(target, options);
    }
  }
}

export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';
  constructor(
    readonly code: AnalysisErrorCode | 'WORKER_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export interface AnalysisClientOptions {
  assetBase: string;
  profile?: CaptureProfile;
  analysisWidth?: number;
  onProgress?: (stage: FaceRuntimeStage, done: number, total: number) => void;
  /** Injected for tests and for hosts that bundle the worker differently. */
  createWorker?: () => Worker;
}

/** Runtimes that load on demand and can be fetched ahead of time. */
export type PreloadTarget = 'faces' | 'barcode';

type Pending = { resolve: (v: never) => void; reject: (e: unknown) => void };

/**
 * Page side of the analysis worker: sends frames (transferring the bitmap), resolves each request with its typed
 * result. Frames are grabbed with `createImageBitmap(video)` at full camera resolution.
 *
 * @example
 * const analysis = new AnalysisClient({ assetBase: '/sdk/assets' });
 * const result = await analysis.document(await createImageBitmap(video), { side: 'front' });
 */
export class AnalysisClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** One pending preload per kind of asset: resolves when the worker reports it ready. */
  private readonly preloads = new Map<
    PreloadTarget,
    { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void }
  >();
  /** Set once the worker died: every later request fails at once instead of waiting forever. */
  private failure: AnalysisError | undefined;
  /** Resolves when the worker has loaded, been configured and warmed up (its `ready` message). */
  private readonly ready: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void };
  private isReady = false;
  private warmUpRequested = false;

  constructor(private readonly options: AnalysisClientOptions) {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A failure nobody awaited must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    this.ready = { promise, resolve, reject };
    this.worker =
      options.createWorker?.() ??
      // `.ts` on purpose: bundlers (vite) and the test dev server resolve worker URLs literally, not through TS mapping.
      new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'idv-analysis' });
    this.worker.addEventListener('message', (e: MessageEvent<AnalysisResponse>) => this.receive(e.data));
    this.worker.addEventListener('error', (e) => {
      this.failure = new AnalysisError('WORKER_FAILED', e.message || 'analysis worker failed');
      this.failAll(this.failure);
    });
    this.send({
      type: 'configure',
      assetBase: options.assetBase,
      profile: options.profile ?? 'phone',
      analysisWidth: options.analysisWidth ?? 640,
    });
  }

  /**
   * Warms the worker up and resolves once it is loaded, configured and warm, so the first camera frame is
   * answered at full speed (cold, the first frames cost several times a warm one). The worker starts with the
   * client, but warms up only when asked: call this early — when the user is shown the consent screen — and the
   * camera step finds it ready. Without it the first frame is answered at once, cold, rather than waiting for a
   * warm-up frame in progress. Costs ~1 s of background work, ended early by the first real frame. Rejects when
   * the worker fails. Idempotent.
   *
   * @example
   * const analysis = new AnalysisClient({ assetBase });
   * analysis.prepare().catch(() => {}); // at consent; capture then starts with a warm worker
   */
  prepare(): Promise<void> {
    if (this.failure && !this.isReady) return Promise.reject(this.failure);
    if (!this.warmUpRequested) {
      this.warmUpRequested = true;
      this.send({ type: 'warm-up' });
    }
    return this.ready.promise;
  }

  /**
   * Starts loading an on-demand runtime in the background: `faces` (MediaPipe detector + landmarker, for the
   * selfie and the face on the card) or `barcode` (zxing, for licence backs). Resolves when it is ready; frames
   * sent meanwhile are still answered (document checks never wait for it). Idempotent.
   *
   * @example
   * analysis.preload('faces').catch(() => {}); // while the user reads the consent screen
   */
  preload(target: PreloadTarget): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    let entry = this.preloads.get(target);
    if (!entry) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      entry = { promise, resolve, reject };
      this.preloads.set(target, entry);
      this.send({ type: target === 'faces' ? 'preload-faces' : 'preload-barcode' });
    }
    return entry.promise;
  }

  /** Starts loading the face runtime in the background; resolves when both face tasks are ready. */
  preloadFaces(): Promise<void> {
    return this.preload('faces');
  }

  document(frame: ImageBitmap, options: DocumentFrameOptions = {}): Promise<DocumentFrameResult> {
    return this.request<DocumentFrameResult>((id) => ({ type: 'document', id, frame, options }), frame);
  }

  face(frame: ImageBitmap, timestampMs: number, options?: FaceFrameOptions): Promise<FaceFrameResult> {
    return this.request<FaceFrameResult>(
      (id) => ({ type: 'face', id, frame, timestampMs, ...(options ? { options } : {}) }),
      frame,
    );
  }

  dispose(): void {
    this.send({ type: 'dispose' });
    this.failure = new AnalysisError('WORKER_FAILED', 'analysis disposed');
    this.failAll(this.failure);
    this.worker.terminate();
  }

  private request<T>(make: (id: number) => AnalysisRequest, frame: ImageBitmap): Promise<T> {
    if (this.failure) {
      frame.close();
      return Promise.reject(this.failure);
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: never) => void, reject });
      this.send(make(id), [frame]);
    });
  }

  private send(msg: AnalysisRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private receive(msg: AnalysisResponse): void {
    switch (msg.type) {
      case 'ready':
        this.isReady = true;
        this.ready.resolve();
        return;
      case 'progress':
        this.options.onProgress?.(msg.stage, msg.done, msg.total);
        return;
      case 'faces-ready':
        this.preloads.get('faces')?.resolve();
        return;
      case 'barcode-ready':
        this.preloads.get('barcode')?.resolve();
        return;
      case 'error': {
        const err = new AnalysisError(msg.code, msg.message);
        if (msg.id !== undefined) this.settle(msg.id, undefined, err);
        else this.failPreload(msg.preload ?? 'faces', err);
        return;
      }
      default:
        this.settle(msg.id, msg.result);
    }
  }

  private settle(id: number, value: unknown, error?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (error) p.reject(error);
    else p.resolve(value as never);
  }

  private failAll(err: unknown): void {
    if (!this.isReady) this.ready.reject(err);
    for (const [, p] of this.pending) p.reject(err);
    this.pending.clear();
    for (const target of [...this.preloads.keys()]) this.failPreload(target, err);
  }

  /** A failed preload is forgotten, so a later `preload()` (e.g. after the network is back) tries again. */
  private failPreload(target: PreloadTarget, err: unknown): void {
    const entry = this.preloads.get(target);
    if (!entry) return;
    this.preloads.delete(target);
    entry.reject(err);
  }
}
