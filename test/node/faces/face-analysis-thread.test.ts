/**
 * `idv-server serve` runs face analysis in a worker thread (tfjs on wasm computes synchronously, so in the server's
 * thread it would stop every other request). The same analyses, through the thread: the answers are the real
 * models' and come from another thread; bad images keep their error code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import {
  analyzeFaces,
  analyzeFacesInThisThread,
  FaceAnalyzerError,
  faceAnalysisThreadId,
  faceDistance,
  runFaceAnalysisInWorker,
  stopFaceAnalysisThread,
} from '../../../src/server/faces/face-analyzer.js';

const ASTRONAUT = readFileSync(new URL('../../fixtures/astronaut.png', import.meta.url));

describe('face analysis in a worker thread', () => {
  after(() => stopFaceAnalysisThread());

  it('answers like the analysis in this thread, from another thread', async () => {
    const here = await analyzeFacesInThisThread(ASTRONAUT, { mesh: true });
    runFaceAnalysisInWorker();
    const there = await analyzeFaces(ASTRONAUT, { mesh: true });
    const worker = await faceAnalysisThreadId();
    assert.notEqual(worker, threadId, 'the analysis ran on another thread');
    assert.ok(worker > 0);
    assert.equal(there.faces.length, 1);
    assert.equal(there.faces.length, here.faces.length);
    assert.ok(there.faces[0]!.descriptor instanceof Float32Array);
    assert.equal(there.faces[0]!.descriptor.length, 128);
    assert.ok(faceDistance(there.faces[0]!.descriptor, here.faces[0]!.descriptor) < 0.01, 'same descriptor');
    assert.equal(there.faces[0]!.mesh468?.length, 468);
    // The caller's buffer is still usable (the thread gets a transferred copy).
    assert.equal(ASTRONAUT.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual(await analyzeFaces(ASTRONAUT), await analyzeFaces(ASTRONAUT));
  });

  it('keeps the error code of an image it cannot read', async () => {
    runFaceAnalysisInWorker();
    await assert.rejects(
      analyzeFaces(Buffer.from('not an image at all')),
      (error: unknown) => error instanceof FaceAnalyzerError && error.code === 'FACE_IMAGE_UNREADABLE',
    );
  });
});
