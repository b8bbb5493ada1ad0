/**
 * PDF417 check on US licence backs: zxing-wasm loaded lazily from our own assets, the card warped upright from its
 * quad, AAMVA payload required. Scenes and their expected payloads come from scripts/make-accuracy-set.ts.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { Quad } from '../../../src/analysis/types.js';
import { AnalysisClient, AnalysisError } from '../../../src/capture/analysis-client.js';
import { BarcodeReader, isAamvaPayload, warpQuadToRectangle } from '../../../src/capture/barcode.js';
import { Camera } from '../../../src/capture/camera.js';
import { type CapturedImage, DocumentCapture } from '../../../src/capture/document-capture.js';
import type { DocumentFrameResult } from '../../../src/capture/analysis-protocol.js';
import { installScriptedCamera, type ScriptedCamera } from '../../support/scripted-camera.js';
import type { AccuracyLabels, BarcodeSample } from '../../../scripts/make-accuracy-set.js';

const BASE = '/test/fixtures/generated/accuracy';
/** Live frames go to the worker as 640-wide copies of a camera frame this large (see DocumentCapture). */
const LIVE_CAPTURE = { width: 1920, height: 1440 };

async function labels(): Promise<AccuracyLabels> {
  const res = await fetch(`${BASE}/labels.json`);
  expect(res.ok, 'accuracy set missing: npx tsx scripts/make-accuracy-set.ts').to.equal(true);
  return res.json();
}

async function bitmapOf(file: string, width?: number): Promise<ImageBitmap> {
  const res = await fetch(`${BASE}/${file}`);
  expect(res.ok, file).to.equal(true);
  const bitmap = await createImageBitmap(await res.blob());
  if (!width) return bitmap;
  // Stand-in for a camera still: the 640×480 scene at capture resolution.
  return createImageBitmap(bitmap, {
    resizeWidth: width,
    resizeHeight: Math.round((bitmap.height * width) / bitmap.width),
    resizeQuality: 'high',
  });
}

/** The scene with a soft smudge over the barcode only: the card itself still passes every other check. */
async function smudgedBarcode(sample: BarcodeSample, blurPx: number): Promise<ImageBitmap> {
  const scene = await bitmapOf(sample.file);
  const canvas = new OffscreenCanvas(scene.width, scene.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(scene, 0, 0);
  // The symbol spans ~6–94 % of the card's width and ~22–85 % of its height (test/support/specimens/documents.ts).
  const [tl, tr, , bl] = sample.quad as Quad;
  const x = tl.x + (tr.x - tl.x) * 0.06;
  const y = tl.y + (bl.y - tl.y) * 0.22;
  const w = (tr.x - tl.x) * 0.88;
  const h = (bl.y - tl.y) * 0.63;
  const region = new OffscreenCanvas(Math.ceil(w), Math.ceil(h));
  const rctx = region.getContext('2d')!;
  rctx.filter = `blur(${blurPx}px)`;
  rctx.drawImage(canvas, x, y, w, h, 0, 0, w, h);
  ctx.drawImage(region, x, y);
  return createImageBitmap(canvas);
}

function resourceUrls(): string[] {
  return performance.getEntriesByType('resource').map((e) => e.name);
}

describe('BarcodeReader (zxing-wasm, main thread)', () => {
  let set: AccuracyLabels;
  const reader = new BarcodeReader({ assetBase: '/dist/assets' });

  before(async () => {
    set = await labels();
  });

  it('does not load zxing until the first read', () => {
    expect(reader.ready).to.equal(false);
    expect(resourceUrls().some((u) => u.includes('zxing'))).to.equal(false);
  });

  it('decodes every readable scene (rotated up to 8°, tilted up to 20°) to exactly its AAMVA payload', async () => {
    const readable = set.barcodes.filter((s) => s.label === 'decoded');
    expect(readable.some((s) => Math.abs(s.options.rotationDeg ?? 0) >= 6)).to.equal(true);
    expect(readable.some((s) => (s.options.tiltDeg ?? 0) >= 20)).to.equal(true);
    for (const s of readable) {
      const result = await reader.readCard(await bitmapOf(s.file), s.quad as Quad);
      expect(result.status, s.file).to.equal('decoded');
      expect(result.text, s.file).to.equal(s.payload);
    }
    expect(reader.ready).to.equal(true);
    const wasm = resourceUrls().filter((u) => u.endsWith('.wasm'));
    expect(wasm).to.deep.equal([`${location.origin}/dist/assets/zxing/zxing_reader.wasm`]);
  });

  it("decodes the us-dl back scene of npm run fixtures (same specimen holder as the set's first card)", async () => {
    const res = await fetch('/test/fixtures/generated/scenes.json');
    expect(res.ok, 'npm run fixtures').to.equal(true);
    const scenes = (await res.json()) as Array<{ file: string; quad: Quad }>;
    const scene = scenes.find((s) => s.file === 'scene-id-back-us-dl.png')!;
    const bitmap = await createImageBitmap(
      await (await fetch(`/test/fixtures/generated/${scene.file}`)).blob(),
    );
    const result = await reader.readCard(bitmap, scene.quad);
    expect(result.status).to.equal('decoded');
    expect(result.text).to.equal(set.barcodes.find((s) => s.file.includes('-h1-'))!.payload);
  });

  it('reports blurred and glare-covered barcodes as unreadable', async () => {
    const unreadable = set.barcodes.filter((s) => s.label === 'BARCODE_UNREADABLE');
    expect(unreadable.some((s) => s.options.glare)).to.equal(true);
    expect(unreadable.some((s) => s.options.blurSigma || s.options.motionBlurPx)).to.equal(true);
    for (const s of unreadable) {
      const result = await reader.readCard(await bitmapOf(s.file), s.quad as Quad);
      expect(result.status, s.file).to.equal('unreadable');
      expect(result.text).to.equal(undefined);
    }
  });

  it('needs the deskew: the same rotated card read without warping fails', async () => {
    const rotated = set.barcodes.find((s) => s.label === 'decoded' && (s.options.rotationDeg ?? 0) >= 8)!;
    const scene = await bitmapOf(rotated.file);
    // An axis-aligned "quad" around the card: the warp then only crops and scales, the rows stay at 8°.
    const xs = rotated.quad.map((p) => p.x);
    const ys = rotated.quad.map((p) => p.y);
    const box: Quad = [
      { x: Math.min(...xs), y: Math.min(...ys) },
      { x: Math.max(...xs), y: Math.min(...ys) },
      { x: Math.max(...xs), y: Math.max(...ys) },
      { x: Math.min(...xs), y: Math.max(...ys) },
    ];
    const straight = await reader.readCard(scene, rotated.quad as Quad);
    expect(straight.status).to.equal('decoded');
    const unwarped = await reader.readCard(scene, box);
    expect(unwarped.status).to.equal('unreadable');
  });

  it('warps a quad to an upright rectangle', () => {
    // 4×4 source: left half black, right half white; the quad takes the right half → all white.
    const data = new Uint8ClampedArray(4 * 4 * 4);
    for (let i = 0; i < 16; i++) data.set(i % 4 >= 2 ? [255, 255, 255, 255] : [0, 0, 0, 255], i * 4);
    const out = warpQuadToRectangle(
      { data, width: 4, height: 4 },
      [
        { x: 2.5, y: 0 },
        { x: 4, y: 0 },
        { x: 4, y: 4 },
        { x: 2.5, y: 4 },
      ],
      2,
      4,
    );
    expect(out.width).to.equal(2);
    expect(Math.min(...Array.from(out.data).filter((_, i) => i % 4 === 0))).to.be.greaterThan(250);
  });

  it('recognises the AAMVA header', () => {
    expect(isAamvaPayload('@\n\x1e\rANSI 636014100001DL00310200DLDAQ1')).to.equal(true);
    expect(isAamvaPayload('ANSI 636014')).to.equal(false);
    expect(isAamvaPayload('https://example.com')).to.equal(false);
  });
});

describe('barcode check in the analysis worker', () => {
  let set: AccuracyLabels;
  let client: AnalysisClient;

  before(async () => {
    set = await labels();
    client = new AnalysisClient({ assetBase: '/dist/assets' });
  });

  after(() => client.dispose());

  it('gives live feedback without waiting for zxing, then reads once it is loaded', async () => {
    const sample = set.barcodes.find((s) => s.label === 'decoded' && !s.options.rotationDeg)!;
    const first = await client.document(await bitmapOf(sample.file), {
      side: 'back',
      kind: 'id1',
      barcode: 'pdf417',
      captureResolution: LIVE_CAPTURE,
    });
    expect(first.barcodeCheck).to.equal('skipped');
    expect(first.issues).to.not.include('BARCODE_UNREADABLE');
    await client.preload('barcode');
    const next = await client.document(await bitmapOf(sample.file), {
      side: 'back',
      kind: 'id1',
      barcode: 'pdf417',
      captureResolution: LIVE_CAPTURE,
    });
    expect(next.barcodeCheck, JSON.stringify(next.issues)).to.equal('done');
    expect(next.barcode?.status).to.equal('decoded');
    expect(next.barcode?.text).to.equal(sample.payload);
  });

  it('decodes a tilted card at capture resolution and passes it', async () => {
    const sample = set.barcodes.find((s) => s.label === 'decoded' && (s.options.tiltDeg ?? 0) >= 20)!;
    const result = await client.document(await bitmapOf(sample.file, 1920), {
      side: 'back',
      kind: 'id1',
      barcode: 'pdf417',
      barcodeCheck: 'wait',
    });
    expect(result.barcodeCheck, JSON.stringify(result.issues)).to.equal('done');
    expect(result.barcode?.status).to.equal('decoded');
    expect(result.barcode?.text).to.equal(sample.payload);
    expect(result.issues).to.not.include('BARCODE_UNREADABLE');
  });

  it('adds BARCODE_UNREADABLE when the card passes every other check but its barcode is smudged', async () => {
    const sample = set.barcodes.find((s) => s.label === 'decoded' && !s.options.rotationDeg)!;
    const result = await client.document(await smudgedBarcode(sample, 2), {
      side: 'back',
      kind: 'id1',
      barcode: 'pdf417',
      barcodeCheck: 'wait',
      captureResolution: LIVE_CAPTURE,
    });
    expect(result.barcodeCheck, JSON.stringify(result.issues)).to.equal('done');
    expect(result.barcode?.status).to.equal('unreadable');
    expect(result.issues).to.deep.equal(['BARCODE_UNREADABLE']);
    expect(result.ok).to.equal(false);
  });

  it('does not read barcodes on frames that fail other checks', async () => {
    const blurred = set.barcodes.find((s) => s.label === 'BARCODE_UNREADABLE' && s.options.blurSigma)!;
    const result = await client.document(await bitmapOf(blurred.file), {
      side: 'back',
      kind: 'id1',
      barcode: 'pdf417',
      barcodeCheck: 'wait',
    });
    expect(result.issues).to.include('BLURRY');
    expect(result.barcodeCheck).to.equal('skipped');
  });

  it('made no request to a third-party origin', async () => {
    expect(await executeServerCommand('third-party-requests')).to.deep.equal([]);
  });
});

describe('DocumentCapture on a licence back (scripted camera)', () => {
  let set: AccuracyLabels;
  let client: AnalysisClient;
  let scripted: ScriptedCamera | undefined;
  let camera: Camera | undefined;
  let capture: DocumentCapture | undefined;
  let video: HTMLVideoElement;

  before(async () => {
    set = await labels();
    client = new AnalysisClient({ assetBase: '/dist/assets' });
  });

  afterEach(() => {
    capture?.stop();
    camera?.stop();
    scripted?.uninstall();
    video?.remove();
  });

  after(() => client.dispose());

  /** A 1280×960 camera showing `scene` (640×480) scaled up, the card held still. */
  async function startCamera(scene: ImageBitmap): Promise<void> {
    scripted = installScriptedCamera({
      width: 1280,
      height: 960,
      fps: 15,
      devices: [{ deviceId: 'rear', label: 'Scripted rear camera', facing: 'environment' }],
      draw: (ctx) => ctx.drawImage(scene, 0, 0, 1280, 960),
    });
    video = document.createElement('video');
    document.body.append(video);
    camera = new Camera();
    await camera.start(video, { purpose: 'document' });
  }

  it('never auto-captures while zxing loads or while the barcode is unreadable', async () => {
    const sample = set.barcodes.find((s) => s.label === 'decoded' && !s.options.rotationDeg)!;
    await startCamera(await smudgedBarcode(sample, 2));
    let captures = 0;
    const read = new Promise<DocumentFrameResult>((resolve, reject) => {
      capture = new DocumentCapture({
        video,
        analysis: client,
        side: 'back',
        kind: 'id1',
        barcode: 'pdf417',
        requiredConsecutive: 2,
        manualAfterMs: 60_000,
        onFeedback: (r) => {
          if (r.barcodeCheck === 'done') resolve(r);
        },
        onCaptured: () => captures++,
        onError: reject,
      });
    });
    capture!.start();
    const feedback = await read;
    expect(feedback.issues).to.include('BARCODE_UNREADABLE');
    expect(feedback.ok).to.equal(false);
    expect(captures).to.equal(0);
  });

  it('auto-captures once the PDF417 decodes, with the payload in the assessment', async () => {
    const sample = set.barcodes.find((s) => s.label === 'decoded' && (s.options.rotationDeg ?? 0) >= 8)!;
    await startCamera(await bitmapOf(sample.file));
    const captured = new Promise<CapturedImage>((resolve, reject) => {
      capture = new DocumentCapture({
        video,
        analysis: client,
        side: 'back',
        kind: 'id1',
        barcode: 'pdf417',
        manualAfterMs: 60_000,
        onCaptured: resolve,
        onError: reject,
      });
    });
    capture!.start();
    const still = await captured;
    expect(still.method).to.equal('auto');
    expect(still.width).to.equal(1280);
    expect(still.assessment.barcodeCheck).to.equal('done');
    expect(still.assessment.barcode?.status).to.equal('decoded');
    expect(still.assessment.barcode?.text).to.equal(sample.payload);
    expect(still.assessment.ok, JSON.stringify(still.assessment.issues)).to.equal(true);
  });
});

describe('AnalysisClient.preload', () => {
  it('rejects with ASSET_LOAD_FAILED when the reader cannot load, while documents are still analysed', async () => {
    const client = new AnalysisClient({ assetBase: '/no-such-assets' });
    try {
      const set = await labels();
      const sample = set.barcodes.find((s) => s.label === 'decoded' && !s.options.rotationDeg)!;
      const failed = await client.preload('barcode').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failed).to.be.instanceOf(AnalysisError);
      expect((failed as AnalysisError).code).to.equal('ASSET_LOAD_FAILED');
      const result = await client.document(await bitmapOf(sample.file), {
        side: 'back',
        kind: 'id1',
        barcode: 'pdf417',
        captureResolution: LIVE_CAPTURE,
      });
      expect(result.quad).to.not.equal(undefined);
      expect(result.barcodeCheck).to.equal('skipped');
    } finally {
      client.dispose();
    }
  });
});
