/**
 * `idv-server serve` runs face analysis in a pool of worker threads (tfjs on wasm computes synchronously, so in the
 * server's thread it would stop every other request). Through the pool: the answers are the real models' and come
 * from other threads, bad images keep their error code, a worker that dies is replaced and its job retried, and
 * the same bytes are analysed once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import sharp from 'sharp';
import {
  analyzeFaces,
  clearFaceAnalysisCache,
  FaceAnalyzerError,
  type FaceAnalysisPool,
  faceDistance,
  faceWorkerCount,
  startFaceAnalysisPool,
  stopFaceAnalysisPool,
} from '../../../src/server/faces/face-analysis.js';
import { analyzeFacesInThisThread } from '../../../src/server/faces/face-analyzer.js';

const ASTRONAUT = readFileSync(new URL('../../fixtures/astronaut.png', import.meta.url));

describe('face analysis pool', { timeout: 240_000 }, () => {
  let pool: FaceAnalysisPool;
  before(async () => {
    pool = await startFaceAnalysisPool(2);
  });
  after(() => stopFaceAnalysisPool());

  it('loads and warms every worker before it takes work, each in its own thread', () => {
    const ids = pool.threadIds();
    assert.equal(ids.length, 2);
    assert.equal(new Set(ids).size, 2);
    assert.ok(!ids.includes(threadId), 'not the test thread');
    assert.equal(pool.loadTimesMs().length, 2);
  });

  it('answers like the analysis in this thread', async () => {
    clearFaceAnalysisCache();
    const [there, here] = await Promise.all([analyzeFaces(ASTRONAUT), analyzeFacesInThisThread(ASTRONAUT)]);
    assert.equal(there.faces.length, 1);
    assert.ok(there.faces[0]!.descriptor instanceof Float32Array);
    assert.equal(there.faces[0]!.descriptor.length, 1024);
    assert.ok(faceDistance(there.faces[0]!.descriptor, here.faces[0]!.descriptor) < 1e-3, 'same descriptor');
    assert.equal(there.faces[0]!.mesh468?.length, 468);
    // The caller's buffer is still usable (the worker gets a transferred copy).
    assert.equal(ASTRONAUT.subarray(1, 4).toString('latin1'), 'PNG');
  });

  it('analyses the same bytes once: a second ask is answered from the cache', async () => {
    clearFaceAnalysisCache();
    const first = analyzeFaces(ASTRONAUT);
    assert.equal(analyzeFaces(Buffer.from(ASTRONAUT)), first, 'same bytes, same analysis');
    await first;
  });

  it('keeps the error code of an image it cannot read, and does not cache the failure', async () => {
    const junk = Buffer.from('not an image at all');
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        analyzeFaces(junk),
        (error: unknown) => error instanceof FaceAnalyzerError && error.code === 'FACE_IMAGE_UNREADABLE',
      );
    }
  });

  it('replaces a worker that dies and retries its job on another one', async () => {
    clearFaceAnalysisCache();
    const flipped = await sharp(ASTRONAUT).flop().png().toBuffer();
    const pending = analyzeFaces(flipped);
    assert.ok(await pool.crashBusyWorker(), 'a worker was running the job');
    const analysis = await pending;
    assert.equal(analysis.faces.length, 1, 'the job was retried and answered');
    assert.equal(pool.replaced, 1);
    await pool.ready();
    assert.equal(pool.threadIds().length, 2, 'back to full size');
    clearFaceAnalysisCache();
    assert.equal((await analyzeFaces(ASTRONAUT)).faces.length, 1, 'the pool still works');
  });

  it('is sized by IDV_FACE_WORKERS, else one per core but one (1–4), and refuses nonsense', () => {
    assert.equal(faceWorkerCount({ IDV_FACE_WORKERS: '3' }), 3);
    assert.ok(faceWorkerCount({}) >= 1 && faceWorkerCount({}) <= 4);
    assert.throws(() => faceWorkerCount({ IDV_FACE_WORKERS: '0' }), /IDV_FACE_WORKERS/);
    assert.throws(() => faceWorkerCount({ IDV_FACE_WORKERS: 'many' }), /IDV_FACE_WORKERS/);
  });
});
