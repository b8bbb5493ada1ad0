import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assessDocumentFrame,
  DOCUMENT_ISSUE_PRIORITY,
  DOCUMENT_THRESHOLDS,
  type DocumentIssue,
  type FaceObservation,
  type Quad,
} from '../../../src/analysis/index.js';
import { renderScene, type SceneOptions } from '../../support/specimens/index.js';
import { emptyScene, specimenDocs } from './fixtures.js';

async function assessFront(scene: SceneOptions, opts: Parameters<typeof assessDocumentFrame>[1] = {}) {
  const { front } = await specimenDocs();
  const { image, quad } = renderScene(front, { seed: 21, ...scene });
  return { a: assessDocumentFrame(image, opts), quad, image };
}

function assertIssue(issues: DocumentIssue[], issue: DocumentIssue, only = true): void {
  assert.ok(issues.includes(issue), `expected ${issue}, got [${issues.join(', ')}]`);
  if (only) assert.deepEqual(issues, [issue]);
}

describe('assessDocumentFrame', () => {
  it('accepts a clean card in several positions, backgrounds and small rotations', async () => {
    const docs = await specimenDocs();
    const scenes: SceneOptions[] = [
      { background: 'desk' },
      { background: 'wood', rotationDeg: 8, centerX: 0.45 },
      { background: 'noise', rotationDeg: -10, centerY: 0.55, scale: 0.6 },
      { background: 'plain', rotationDeg: 4, scale: 0.8 },
    ];
    for (const [name, doc] of Object.entries(docs)) {
      for (const scene of scenes) {
        const a = assessDocumentFrame(renderScene(doc, { seed: 30, ...scene }).image);
        assert.deepEqual(a.issues, [], `${name} ${JSON.stringify(scene)}`);
        assert.equal(a.ok, true);
        assert.ok(a.score > 0.5, `score ${a.score}`);
        assert.ok(a.quad);
      }
    }
  });

  it('reports NO_DOCUMENT (and score 0) on a background alone', async () => {
    const { front } = await specimenDocs();
    const a = assessDocumentFrame(emptyScene(front, { seed: 2, background: 'wood' }));
    assert.deepEqual(a.issues, ['NO_DOCUMENT']);
    assert.equal(a.ok, false);
    assert.equal(a.score, 0);
    assert.equal(a.quad, undefined);
  });

  it('catches Gaussian blur and motion blur as BLURRY', async () => {
    assertIssue((await assessFront({ blurSigma: 2.5 })).a.issues, 'BLURRY');
    assertIssue((await assessFront({ motionBlurPx: 12 })).a.issues, 'BLURRY');
  });

  it('catches a specular highlight as GLARE but not the white MRZ band of a card back', async () => {
    const { a } = await assessFront({ glare: { x: 0.6, y: 0.45, radius: 0.12, intensity: 1 } });
    assertIssue(a.issues, 'GLARE');
    assert.ok(a.metrics.glareSolidArea! > DOCUMENT_THRESHOLDS.phone.maxGlareSolidArea);
    const { td1 } = await specimenDocs();
    const back = assessDocumentFrame(renderScene(td1, { seed: 21 }).image);
    assert.deepEqual(back.issues, []);
  });

  it('catches under- and over-exposure', async () => {
    const dark = (await assessFront({ exposure: 0.3 })).a;
    assert.equal(dark.issues[0], 'TOO_DARK');
    assert.ok(dark.metrics.highLuma! < DOCUMENT_THRESHOLDS.phone.minHighLuma);
    const bright = (await assessFront({ exposure: 1.8 })).a;
    assert.equal(bright.issues[0], 'TOO_BRIGHT');
  });

  it('catches a card partly outside the frame as DOCUMENT_CUT_OFF', async () => {
    assertIssue((await assessFront({ centerX: 0.75 })).a.issues, 'DOCUMENT_CUT_OFF');
    // One corner only: all four sides still visible, the corner lies outside.
    assertIssue(
      (await assessFront({ centerX: 0.62, centerY: 0.65, rotationDeg: 10 })).a.issues,
      'DOCUMENT_CUT_OFF',
    );
  });

  it('catches DOCUMENT_TOO_FAR and DOCUMENT_TOO_CLOSE', async () => {
    const far = (await assessFront({ scale: 0.3 })).a;
    assertIssue(far.issues, 'DOCUMENT_TOO_FAR', false);
    assert.ok(far.metrics.fillRatio! < DOCUMENT_THRESHOLDS.phone.minFill);
    assertIssue((await assessFront({ scale: 0.97 })).a.issues, 'DOCUMENT_TOO_CLOSE');
    assertIssue((await assessFront({ scale: 1.08 })).a.issues, 'DOCUMENT_TOO_CLOSE');
  });

  it('catches strong tilt but accepts a mild one', async () => {
    const strong = (await assessFront({ tiltDeg: 35 })).a;
    assertIssue(strong.issues, 'TILTED');
    assert.ok(strong.metrics.tiltDeg! > 25, `tilt ${strong.metrics.tiltDeg}`);
    const mild = (await assessFront({ tiltDeg: 10 })).a;
    assert.deepEqual(mild.issues, []);
  });

  it('reports MOVING from the corner displacement against previousQuad', async () => {
    const { a: first } = await assessFront({});
    const shifted = first.quad!.map((p) => ({ x: p.x - 20, y: p.y + 5 })) as Quad;
    const { a } = await assessFront({}, { previousQuad: shifted });
    assertIssue(a.issues, 'MOVING');
    assert.ok(Math.abs(a.metrics.motionPx! - Math.hypot(20, 5)) < 1.5);
    const still = (await assessFront({}, { previousQuad: first.quad })).a;
    assert.deepEqual(still.issues, []);
    assert.ok(still.metrics.motionPx! < 0.5);
  });

  it('reports RESOLUTION_TOO_LOW from the card width at capture resolution', async () => {
    // The card spans ~70% of the width: 448 px at 640, ~1344 px at 1920.
    const low = (await assessFront({}, { captureResolution: { width: 1280, height: 960 } })).a;
    assertIssue(low.issues, 'RESOLUTION_TOO_LOW');
    const high = (await assessFront({}, { captureResolution: { width: 1920, height: 1440 } })).a;
    assert.deepEqual(high.issues, []);
    const desktop = (
      await assessFront({}, { profile: 'desktop', captureResolution: { width: 1280, height: 960 } })
    ).a;
    assert.deepEqual(desktop.issues, [], 'desktop accepts 896 px');
  });

  it('requires a face on the card only when asked and when faces are given', async () => {
    const { a: base, quad } = await assessFront({});
    assert.ok(base.ok);
    const box = (x: number, y: number): FaceObservation => ({
      box: { x, y, width: 40, height: 50 },
      score: 0.9,
    });
    // Portrait sits on the left third of the specimen card.
    const onCard = box(quad[0].x + 40, quad[0].y + 90);
    const offCard = box(10, 10);
    assert.deepEqual((await assessFront({}, { requireFaceOnDocument: true, faces: [onCard] })).a.issues, []);
    assertIssue(
      (await assessFront({}, { requireFaceOnDocument: true, faces: [offCard] })).a.issues,
      'NO_FACE_ON_DOCUMENT',
    );
    assertIssue(
      (await assessFront({}, { requireFaceOnDocument: true, faces: [] })).a.issues,
      'NO_FACE_ON_DOCUMENT',
    );
    assert.deepEqual(
      (await assessFront({}, { requireFaceOnDocument: true })).a.issues,
      [],
      'no faces given: skipped',
    );
  });

  it('passes the barcode reader result through as BARCODE_UNREADABLE', async () => {
    const { back } = await specimenDocs();
    const { image } = renderScene(back, { seed: 8 });
    assertIssue(
      assessDocumentFrame(image, { side: 'back', barcodeReadable: false }).issues,
      'BARCODE_UNREADABLE',
    );
    assert.deepEqual(assessDocumentFrame(image, { side: 'back', barcodeReadable: true }).issues, []);
  });

  it('orders several issues by what to fix first and scores a worse frame lower', async () => {
    const { a } = await assessFront({ tiltDeg: 35, blurSigma: 2.5 });
    assert.deepEqual(a.issues, ['TILTED', 'BLURRY']);
    const order = a.issues.map((i) => DOCUMENT_ISSUE_PRIORITY.indexOf(i));
    assert.deepEqual(
      order,
      [...order].sort((x, y) => x - y),
    );
    const { a: clean } = await assessFront({});
    const { a: soft } = await assessFront({ blurSigma: 1 });
    assert.ok(clean.score > soft.score, `clean ${clean.score} vs soft ${soft.score}`);
  });

  it('applies threshold overrides and the desktop profile', async () => {
    const { image } = await assessFront({ blurSigma: 0.8 });
    const phone = assessDocumentFrame(image);
    const strict = assessDocumentFrame(image, { thresholds: { minSharpness: phone.metrics.sharpness + 1 } });
    assert.ok(!phone.issues.includes('BLURRY'));
    assertIssue(strict.issues, 'BLURRY');
    assert.ok(DOCUMENT_THRESHOLDS.desktop.minSharpness < DOCUMENT_THRESHOLDS.phone.minSharpness);
    const desktop = assessDocumentFrame(image, { profile: 'desktop', thresholds: { minSharpness: 1e9 } });
    assertIssue(desktop.issues, 'BLURRY');
  });
});
