import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { AnalysisClient } from '../../../src/capture/analysis-client.js';

async function bitmapOf(url: string, width?: number): Promise<ImageBitmap> {
  const res = await fetch(url);
  expect(res.ok, `${url} must exist (npm run build / npm run fixtures)`).to.equal(true);
  const bitmap = await createImageBitmap(await res.blob());
  if (!width) return bitmap;
  // stand-in for a camera still: the generated 640×480 scene upscaled to camera resolution
  return createImageBitmap(bitmap, {
    resizeWidth: width,
    resizeHeight: Math.round((bitmap.height * width) / bitmap.width),
  });
}

/** A frame with nothing on it but a dark, slightly textured surface. */
async function emptyDesk(width = 1280, height = 720): Promise<ImageBitmap> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#3b3026';
  ctx.fillRect(0, 0, width, height);
  for (let i = 0; i < 400; i++) {
    ctx.fillStyle = i % 2 ? '#40352a' : '#362b21';
    ctx.fillRect((i * 97) % width, (i * 53) % height, 7, 3);
  }
  return createImageBitmap(canvas);
}

describe('AnalysisClient (module worker)', () => {
  let client: AnalysisClient;
  const stages: string[] = [];

  before(() => {
    client = new AnalysisClient({ assetBase: '/dist/assets', onProgress: (stage) => stages.push(stage) });
  });

  after(() => client.dispose());

  it('answers a document frame without loading any model', async () => {
    const result = await client.document(await emptyDesk(), { side: 'front' });
    expect(result.issues).to.include('NO_DOCUMENT');
    expect(result.ok).to.equal(false);
    expect(result.faceCheck).to.equal('skipped');
    expect(result.analysisWidth).to.equal(640);
    expect(result.scale).to.equal(2);
    expect(stages).to.deep.equal([]);
  });

  it('finds the card in a generated scene and scales the quad to analysis pixels', async () => {
    const result = await client.document(
      await bitmapOf('/test/fixtures/generated/scene-id-front-desk.png', 1920),
      { side: 'front', faceCheck: 'skip' },
    );
    expect(result.quad, 'quad').to.not.equal(undefined);
    expect(result.issues).to.not.include('NO_DOCUMENT');
    for (const p of result.quad!) {
      expect(p.x).to.be.within(0, result.analysisWidth);
      expect(p.y).to.be.within(0, result.analysisHeight);
    }
  });

  it('loads MediaPipe in the worker from our assets and finds one face with 478 landmarks', async () => {
    const result = await client.face(await bitmapOf('/test/fixtures/astronaut.png'), 1);
    expect(result.faces.length).to.equal(1);
    expect(result.faces[0]!.landmarks!.length).to.equal(478);
    expect(result.faces[0]!.transformationMatrix!.length).to.equal(16);
    expect(result.issues).to.not.include('NO_FACE');
    expect(stages).to.include('landmarker');
  });

  it('runs the face-on-card check when asked to wait for it', async () => {
    const result = await client.document(
      await bitmapOf('/test/fixtures/generated/scene-id-front-desk.png', 1920),
      { side: 'front', faceCheck: 'wait' },
    );
    expect(result.faceCheck).to.equal('done');
    expect(result.faces!.length).to.be.greaterThan(0);
    expect(result.issues).to.not.include('NO_FACE_ON_DOCUMENT');
  });

  it('reports NO_FACE_ON_DOCUMENT when the card has no portrait', async () => {
    const scene = await bitmapOf('/test/fixtures/generated/scene-id-front-desk.png');
    const canvas = new OffscreenCanvas(scene.width, scene.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(scene, 0, 0);
    // cover the portrait (left part of the card in this scene) with the card's own background colour
    ctx.fillStyle = ctx
      .getImageData(260, 360, 1, 1)
      .data.join(',')
      .replace(/^(.*),\d+$/, 'rgb($1)');
    ctx.fillRect(110, 160, 145, 180);
    const bitmap = await createImageBitmap(canvas, { resizeWidth: 1920, resizeHeight: 1440 });
    const result = await client.document(bitmap, { side: 'front', faceCheck: 'wait' });
    expect(result.faceCheck).to.equal('done');
    expect(result.issues).to.include('NO_FACE_ON_DOCUMENT');
    expect(result.ok).to.equal(false);
  });

  it('made no request to a third-party origin', async () => {
    expect(await executeServerCommand('third-party-requests')).to.deep.equal([]);
  });
});
