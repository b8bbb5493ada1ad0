/**
 * Start-up and speed paths of the analysis worker: `prepare()` (worker started and warmed up before the camera),
 * the warm-up never blocking or altering a real frame, and the landmarker fed a smaller copy of the frame still
 * placing the landmarks where a full-size run does.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { AnalysisClient, AnalysisError } from '../../../src/capture/analysis-client.js';
import { createReferenceLandmarker } from '../../support/reference-landmarker.js';

async function bitmapOf(url: string, width?: number): Promise<ImageBitmap> {
  const res = await fetch(url);
  expect(res.ok, `${url} must exist (npm run fixtures)`).to.equal(true);
  const bitmap = await createImageBitmap(await res.blob());
  if (!width) return bitmap;
  return createImageBitmap(bitmap, {
    resizeWidth: width,
    resizeHeight: Math.round((bitmap.height * width) / bitmap.width),
  });
}

const SCENE = '/test/fixtures/generated/scene-id-front-desk.png';

describe('AnalysisClient.prepare and the worker warm-up', () => {
  const clients: AnalysisClient[] = [];
  const client = () => {
    const c = new AnalysisClient({ assetBase: '/dist/assets' });
    clients.push(c);
    return c;
  };

  after(() => {
    for (const c of clients) c.dispose();
  });

  it('resolves once the worker is warm, and a prepared worker judges a frame exactly like a cold one', async () => {
    const prepared = client();
    await prepared.prepare();
    // Idempotent: the same readiness again.
    await prepared.prepare();
    const warm = await prepared.document(await bitmapOf(SCENE), { side: 'front', faceCheck: 'skip' });
    // A worker never asked to warm up (no `prepare()`) answers cold, and must see the same thing.
    const cold = await client().document(await bitmapOf(SCENE), { side: 'front', faceCheck: 'skip' });
    expect(warm.quad, 'card found').to.not.equal(undefined);
    expect(warm.issues).to.deep.equal(cold.issues);
    expect(warm.quad).to.deep.equal(cold.quad);
    expect(warm.metrics).to.deep.equal(cold.metrics);
    expect(warm.readMs).to.be.a('number');
  });

  it('answers a frame sent during the warm-up, and still reports ready afterwards', async () => {
    const c = client();
    const [result] = await Promise.all([
      c.document(await bitmapOf(SCENE, 1280), { side: 'front', faceCheck: 'skip' }),
      c.prepare(),
    ]);
    expect(result.quad).to.not.equal(undefined);
  });

  it('rejects with WORKER_FAILED when the client is disposed before the worker was ready', async () => {
    const c = new AnalysisClient({ assetBase: '/dist/assets' });
    const ready = c.prepare();
    c.dispose();
    let error: unknown;
    await ready.catch((e) => {
      error = e;
    });
    expect(error).to.be.instanceOf(AnalysisError);
    expect((error as AnalysisError).code).to.equal('WORKER_FAILED');
    let again: unknown;
    await c.prepare().catch((e) => {
      again = e;
    });
    expect((again as AnalysisError | undefined)?.code).to.equal('WORKER_FAILED');
  });

  it('places the landmarks where a full-size FaceLandmarker run does, from its smaller copy of the frame', async () => {
    const frame = await bitmapOf('/test/fixtures/generated/scene-face-astronaut.png');
    const reference = await createReferenceLandmarker();
    try {
      const full = reference.detect(frame).faceLandmarks;
      const c = client();
      const result = await c.face(await createImageBitmap(frame), 1);
      expect(full.length).to.equal(1);
      expect(result.faces.length).to.equal(1);
      const mine = result.faces[0]!.landmarks!;
      expect(mine.length).to.equal(478);
      let sum = 0;
      let worst = 0;
      for (let i = 0; i < mine.length; i++) {
        const d = Math.hypot(
          (mine[i]!.x - full[0]![i]!.x) * frame.width,
          (mine[i]!.y - full[0]![i]!.y) * frame.height,
        );
        sum += d;
        worst = Math.max(worst, d);
      }
      // Frame pixels: the face is ~150 px wide in this scene, the eye-openness and pose checks need ~1 px.
      expect(sum / mine.length, 'mean landmark offset (px)').to.be.below(2);
      expect(worst, 'largest landmark offset (px)').to.be.below(6);
      expect(result.readMs).to.be.a('number');
      expect(result.landmarkMs).to.be.a('number');
    } finally {
      reference.close();
    }
  });

  it('made no request to a third-party origin', async () => {
    expect(await executeServerCommand('third-party-requests')).to.deep.equal([]);
  });
});
