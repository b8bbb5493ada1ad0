/**
 * Where the server's face analyses run, and their cache. `analyzeFaces` is what the liveness verification, the
 * pipeline and document checks call.
 *
 * - **A pool of worker threads** (`startFaceAnalysisPool`, started by `idv-server serve`): tfjs on wasm computes
 *   synchronously between its awaits, so in the server's own thread one analysis would stop every other request for
 *   up to ~0.7 s. Each worker loads the models once and warms them (one analysis of a synthetic image) before it
 *   takes work, so no user waits for a model load; jobs queue in the parent and go to the first idle worker. Size:
 *   `IDV_FACE_WORKERS`, default one per core but one (see `faceWorkerCount`). A worker that dies (crash, out of
 *   memory) is replaced and the job it was running is given to another worker once more; a job that kills two
 *   workers fails with `FACE_ANALYSIS_CRASHED` instead of wedging the pool.
 * - **Without a pool** (tests, tools, benches) analyses run in the calling thread.
 * - **A cache by content**: analyses are keyed by the sha256 of the bytes, so the selfie is analysed once per
 *   execution (liveness verification, the liveness binding and the face match all ask for it) and a liveness frame
 *   analysed when it arrived is not analysed again at completion. Bounded (`CACHE_ENTRIES`), in memory, per process:
 *   descriptors are biometric data and are never written anywhere.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  analyzeFacesInThisThread,
  type DetectedFace,
  type FaceAnalysis,
  type FaceLocations,
  locateFacesInThisThread,
} from './face-analyzer.js';
import { FaceAnalyzerError, type FaceAnalyzerErrorCode } from './face-models.js';

export {
  type DetectedFace,
  type FaceAnalysis,
  FaceAnalyzerError,
  type FaceLocations,
  faceDistance,
  type LocatedFace,
} from './face-analyzer.js';

/** What a job computes: everything (`analyzeFaces`), or only where the faces are (`locateFaces`). */
export type FaceAnalysisDepth = 'describe' | 'locate';

/** Analyses kept (≈ 40 KB each with a mesh): a few dozen executions in flight, their frames and parts. */
const CACHE_ENTRIES = 256;
/**
 * Keyed by depth and the sha256 of the bytes. A described analysis does not answer `locateFaces`: its boxes come from
 * the mesh, a located one's from BlazeFace, and one image must get one answer whatever was asked of it before.
 */
const cache = new Map<string, Promise<FaceLocations>>();

let pool: FaceAnalysisPool | undefined;

function cached<T extends FaceLocations>(image: Buffer, depth: FaceAnalysisDepth): Promise<T> {
  const key = `${depth}:${createHash('sha256').update(image).digest('hex')}`;
  const hit = cache.get(key);
  if (hit) {
    // Most recently used last: Map iteration order is insertion order.
    cache.delete(key);
    cache.set(key, hit);
    return hit as Promise<T>;
  }
  const analysis = pool
    ? pool.analyze(image, depth)
    : depth === 'describe'
      ? analyzeFacesInThisThread(image)
      : locateFacesInThisThread(image);
  cache.set(key, analysis);
  // A failure is not remembered: a retry may succeed (models load, worker replaced).
  analysis.catch(() => cache.delete(key));
  while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  return analysis as Promise<T>;
}

/**
 * All faces in a JPEG or PNG, largest first (see face-analyzer.ts for what each face carries). Through the pool when
 * one runs, else in this thread; answered from the cache when the same bytes were analysed before.
 */
export function analyzeFaces(image: Buffer): Promise<FaceAnalysis> {
  return cached<FaceAnalysis>(image, 'describe');
}

/**
 * Where the faces of a JPEG or PNG are, largest first (boxes, scores, detector; no descriptor): for "is there a
 * face" (document checks), ≈ 10 ms a face instead of ≈ 150. Through the pool and a cache, as `analyzeFaces`.
 */
export function locateFaces(image: Buffer): Promise<FaceLocations> {
  return cached<FaceLocations>(image, 'locate');
}

/**
 * Whether `error` says the image cannot be analysed (its bytes do not decode, or analysing it killed two workers),
 * as opposed to the models being unavailable: callers turn it into their own label (UNREADABLE_IMAGE,
 * LIVENESS_UNDETERMINED), never a 500.
 */
export function isUnanalysableImage(error: unknown): boolean {
  return (
    error instanceof FaceAnalyzerError &&
    (error.code === 'FACE_IMAGE_UNREADABLE' || error.code === 'FACE_ANALYSIS_CRASHED')
  );
}

/** The faces of `analyzeFaces`, largest first. */
export async function detectFaces(image: Buffer): Promise<DetectedFace[]> {
  return (await analyzeFaces(image)).faces;
}

/**
 * Starts analysing `image` now (when it is uploaded) so a later `analyzeFaces` finds it done; never throws. Only with a
 * pool: in the caller's own thread it would compete with the request that uploaded it.
 */
export function prefetchFaceAnalysis(image: Buffer): void {
  if (pool) analyzeFaces(image).catch(() => undefined);
}

/** Forgets every cached analysis (tests; the cache is otherwise bounded by size). */
export function clearFaceAnalysisCache(): void {
  cache.clear();
}

/**
 * Pool size: `IDV_FACE_WORKERS` (1–16), else one per core but one (the server's own thread decodes uploads and
 * answers requests), at least 1, at most 4. A worker holds ≈ 250 MB (V8 isolate, the models, tfjs's wasm heap): on
 * the 2-core reference machine one worker keeps the server under 500 MB and still verifies a challenge in time
 * (bench `liveness-server`).
 */
export function faceWorkerCount(env: NodeJS.ProcessEnv = process.env): number {
  const configured = env.IDV_FACE_WORKERS?.trim();
  if (configured) {
    const n = Number(configured);
    if (!Number.isInteger(n) || n < 1 || n > 16) {
      throw Object.assign(new Error('IDV_FACE_WORKERS must be an integer from 1 to 16'), {
        code: 'INVALID_CONFIG',
      });
    }
    return n;
  }
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * Starts the pool (once; later calls return the running one) and resolves when every worker has loaded and warmed
 * its models. From then on `analyzeFaces` runs in the pool.
 */
export async function startFaceAnalysisPool(size = faceWorkerCount()): Promise<FaceAnalysisPool> {
  if (!pool) {
    pool = new FaceAnalysisPool(size);
  }
  await pool.ready();
  return pool;
}

/** Ends the pool (tests, shutdown): analyses run in the calling thread again. */
export async function stopFaceAnalysisPool(): Promise<void> {
  const running = pool;
  pool = undefined;
  await running?.close();
}

interface Job {
  image: ArrayBuffer;
  depth: FaceAnalysisDepth;
  resolve: (analysis: FaceLocations) => void;
  reject: (error: Error) => void;
  /** Workers that died while running this job. */
  crashes: number;
}

type WorkerReply =
  | { type: 'ready'; threadId: number; loadMs: number }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; result: FaceLocations }
  | { type: 'error'; code?: FaceAnalyzerErrorCode; message: string };

/** A job that killed this many workers is failed instead of retried. */
const MAX_CRASHES_PER_JOB = 2;

class PoolWorker {
  readonly worker: Worker;
  job: Job | undefined;
  threadId = -1;
  loadMs = 0;
  readonly ready: Promise<void>;

  constructor(private readonly onExit: (self: PoolWorker) => void) {
    // A plain-JS entry that registers tsx, then loads face-analysis-worker.ts.
    this.worker = new Worker(new URL('./face-analysis-thread.mjs', import.meta.url));
    // Never keeps the process alive on its own: the server's lifetime decides.
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onReady = (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          this.threadId = reply.threadId;
          this.loadMs = reply.loadMs;
          this.worker.off('message', onReady);
          resolve();
        } else if (reply.type === 'load-failed') {
          reject(new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', reply.message));
        }
      };
      this.worker.on('message', onReady);
      this.worker.once('exit', () =>
        reject(new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', 'face analysis worker exited while loading')),
      );
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (reply: WorkerReply) => {
      const job = this.job;
      if (!job || (reply.type !== 'result' && reply.type !== 'error')) return;
      this.job = undefined;
      if (reply.type === 'result') job.resolve(reply.result);
      else if (reply.code) job.reject(new FaceAnalyzerError(reply.code, reply.message));
      else job.reject(new Error(reply.message));
      this.idle();
    });
    this.worker.on('error', () => undefined); // the 'exit' that follows does the work
    this.worker.on('exit', () => this.onExit(this));
  }

  /** Set by the pool: called when this worker has finished a job. */
  idle: () => void = () => undefined;

  run(job: Job): void {
    this.job = job;
    // A copy, transferred: the cache keeps nothing of the caller's buffer, and a retry can send it again.
    const bytes = job.image.slice(0);
    this.worker.postMessage({ type: 'analyze', image: bytes, depth: job.depth }, [bytes]);
  }
}

export class FaceAnalysisPool {
  private workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  /** Workers replaced after they died (for metrics and tests). */
  replaced = 0;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  private spawn(): PoolWorker {
    const worker = new PoolWorker((dead) => this.onWorkerExit(dead));
    worker.idle = () => this.dispatch();
    worker.ready.then(
      () => this.dispatch(),
      () => undefined,
    );
    return worker;
  }

  private onWorkerExit(dead: PoolWorker): void {
    const job = dead.job;
    dead.job = undefined;
    this.workers = this.workers.filter((w) => w !== dead);
    if (this.closed) {
      job?.reject(new FaceAnalyzerError('FACE_ANALYSIS_CRASHED', 'face analysis pool closed'));
      return;
    }
    this.replaced++;
    this.workers.push(this.spawn());
    if (job) {
      job.crashes++;
      if (job.crashes >= MAX_CRASHES_PER_JOB) {
        job.reject(
          new FaceAnalyzerError('FACE_ANALYSIS_CRASHED', 'face analysis crashed twice on this image'),
        );
      } else {
        this.queue.unshift(job);
      }
    }
    this.dispatch();
  }

  /** Resolves when every worker has loaded and warmed its models. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  analyze(image: Buffer, depth: FaceAnalysisDepth = 'describe'): Promise<FaceLocations> {
    if (this.closed) return Promise.reject(new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', 'pool closed'));
    return new Promise((resolve, reject) => {
      const copy = new Uint8Array(image).buffer;
      this.queue.push({ image: copy, depth, resolve, reject, crashes: 0 });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const worker of this.workers) {
      if (this.queue.length === 0) return;
      if (worker.job || worker.threadId < 0) continue;
      worker.run(this.queue.shift() as Job);
    }
  }

  /** Thread ids of the workers that have finished loading. */
  threadIds(): number[] {
    return this.workers.filter((w) => w.threadId >= 0).map((w) => w.threadId);
  }

  /** How long each ready worker took to load and warm its models, ms. */
  loadTimesMs(): number[] {
    return this.workers.filter((w) => w.threadId >= 0).map((w) => Math.round(w.loadMs));
  }

  /** Ends the worker now running a job, as a crash would (for the tests of the replacement and the retry). */
  async crashBusyWorker(): Promise<boolean> {
    const busy = this.workers.find((w) => w.job);
    if (!busy) return false;
    await busy.worker.terminate();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      job.reject(new FaceAnalyzerError('FACE_MODELS_UNAVAILABLE', 'face analysis pool closed'));
    }
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers = [];
  }
}
