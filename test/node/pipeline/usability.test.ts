import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { measureImageQuality } from '../../../src/server/media/image-metrics.js';
import type { CapabilityResult, ExecutionInput, StoredPart } from '../../../src/server/pipeline/index.js';
import { usabilityCapability } from '../../../src/server/pipeline/index.js';

const ASTRONAUT = new URL('../../fixtures/astronaut.png', import.meta.url);
const FACE_API_DEMO = new URL('../../../node_modules/@vladmandic/face-api/demo/', import.meta.url);

/** A synthetic ID-1 card (header, portrait, text lines, MRZ band) photographed on a desk: 1400×1000. */
async function cardOnDesk(): Promise<Buffer> {
  const lines: string[] = [];
  for (let i = 0; i < 6; i++) {
    lines.push(
      `<rect x="380" y="${150 + i * 48}" width="${420 - (i % 3) * 80}" height="18" rx="3" fill="#223"/>`,
    );
  }
  for (let i = 0; i < 3; i++)
    lines.push(`<rect x="40" y="${470 + i * 40}" width="920" height="22" fill="#111"/>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="630">
    <rect width="1000" height="630" rx="36" fill="#dfe8f1"/><rect width="1000" height="90" fill="#2a5599"/>
    <rect x="40" y="30" width="300" height="30" fill="#fff"/>${lines.join('')}</svg>`;
  const portrait = await sharp(readFileSync(ASTRONAUT)).resize(300, 330).toBuffer();
  const card = await sharp(Buffer.from(svg))
    .composite([{ input: portrait, left: 40, top: 120 }])
    .png()
    .toBuffer();
  return sharp({ create: { width: 1400, height: 1000, channels: 3, background: '#5a4a3a' } })
    .composite([{ input: card, left: 200, top: 185 }])
    .png()
    .toBuffer();
}

/** A soft-edged white highlight whose radius is `share` of the image height, like a lamp reflected on laminate. */
async function withGlare(image: Buffer, share: number): Promise<Buffer> {
  const { width, height } = await sharp(image).metadata();
  const r = height! * share;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><radialGradient id="g">
    <stop offset="0" stop-color="#fff"/><stop offset="0.6" stop-color="#fff"/><stop offset="1" stop-color="#fff" stop-opacity="0"/>
    </radialGradient></defs><ellipse cx="${width! * 0.55}" cy="${height! * 0.45}" rx="${r * 1.4}" ry="${r}" fill="url(#g)"/></svg>`;
  return sharp(image)
    .composite([{ input: Buffer.from(svg) }])
    .toBuffer();
}

/** As the server stores uploads: JPEG q92. */
const stored = (image: Sharp | Buffer) =>
  (Buffer.isBuffer(image) ? sharp(image) : image).jpeg({ quality: 92 }).toBuffer();

function part(
  credentialId: string,
  category: StoredPart['credentialCategory'],
  classifier: string,
  bytes: Buffer,
  mime = 'image/jpeg',
): StoredPart {
  return {
    credentialId,
    credentialCategory: category,
    classifier,
    mime,
    width: 0,
    height: 0,
    read: async () => bytes,
  };
}

async function judgeDocument(front: Buffer, back: Buffer = front): Promise<CapabilityResult> {
  const input: ExecutionInput = {
    executionId: 'wf_test',
    definitionKey: 10011,
    credentials: [{ id: 'id-1', category: 'ID', requiredClassifiers: ['FRONT', 'BACK'] }],
    parts: [part('id-1', 'ID', 'FRONT', front), part('id-1', 'ID', 'BACK', back)],
  };
  const [result] = await usabilityCapability.run(input);
  return result!;
}

async function judgeSelfie(face: Buffer): Promise<CapabilityResult> {
  const input: ExecutionInput = {
    executionId: 'wf_test',
    definitionKey: 10011,
    credentials: [{ id: 'selfie-1', category: 'SELFIE', requiredClassifiers: ['FACE'] }],
    parts: [part('selfie-1', 'SELFIE', 'FACE', face)],
  };
  const [result] = await usabilityCapability.run(input);
  return result!;
}

interface PartReport {
  classifier: string;
  metrics: { width: number };
  issues: Array<{ label: string }>;
}

function partReports(result: CapabilityResult): PartReport[] {
  assert.ok(result.data, 'usability reports its measurements');
  return result.data.parts as PartReport[];
}

const verdict = (r: CapabilityResult) => `${r.decision.type} ${r.decision.details.label}`;

describe('usability on real pixels', () => {
  let card: Buffer;
  let astronaut: Buffer;

  before(async () => {
    card = await cardOnDesk();
    astronaut = readFileSync(ASTRONAUT);
  });

  it('passes a clean card and a clean selfie, reporting the metrics', async () => {
    const doc = await judgeDocument(await stored(card));
    assert.equal(verdict(doc), 'PASSED OK');
    assert.deepEqual(doc.credentials, [{ id: 'id-1', category: 'ID' }]);
    const parts = partReports(doc);
    assert.deepEqual(
      parts.map((p) => [p.classifier, p.metrics.width]),
      [
        ['FRONT', 1400],
        ['BACK', 1400],
      ],
    );
    assert.equal(verdict(await judgeSelfie(await stored(astronaut))), 'PASSED OK');
  });

  it('passes real camera photos as selfies', async () => {
    for (const sample of ['sample3.jpg', 'sample4.jpg', 'sample6.jpg']) {
      const photo = readFileSync(new URL(sample, FACE_API_DEMO));
      assert.equal(verdict(await judgeSelfie(await stored(photo))), 'PASSED OK', sample);
    }
  });

  it('rejects a heavy blur and warns on a soft one', async () => {
    assert.equal(verdict(await judgeDocument(await stored(sharp(card).blur(3)))), 'REJECTED BLURRED');
    assert.equal(verdict(await judgeDocument(await stored(sharp(card).blur(1.5)))), 'WARNING BLURRED');
    assert.equal(verdict(await judgeSelfie(await stored(sharp(astronaut).blur(3)))), 'REJECTED BLURRED');
    assert.equal(verdict(await judgeSelfie(await stored(sharp(astronaut).blur(1.5)))), 'WARNING BLURRED');
  });

  it('labels dark and overexposed frames BAD_QUALITY, without mistaking darkness for blur', async () => {
    assert.equal(
      verdict(await judgeDocument(await stored(sharp(card).linear(0.2, 0)))),
      'REJECTED BAD_QUALITY',
    );
    assert.equal(
      verdict(await judgeDocument(await stored(sharp(card).linear(0.45, 0)))),
      'WARNING BAD_QUALITY',
    );
    assert.equal(
      verdict(await judgeDocument(await stored(sharp(card).linear(1.6, 90)))),
      'REJECTED BAD_QUALITY',
    );
    assert.equal(
      verdict(await judgeSelfie(await stored(sharp(astronaut).linear(0.2, 0)))),
      'REJECTED BAD_QUALITY',
    );
    const dark = await judgeDocument(await stored(sharp(card).linear(0.2, 0)));
    const labels = partReports(dark)[0]!.issues.map((i) => i.label);
    assert.deepEqual(labels, ['BAD_QUALITY'], 'a crisp dark frame is dark, not blurred');
  });

  it('labels a glare spot on a document, but not a white scanner bed round it, and never a face', async () => {
    assert.equal(verdict(await judgeDocument(await stored(await withGlare(card, 0.12)))), 'REJECTED GLARE');
    assert.equal(verdict(await judgeDocument(await stored(await withGlare(card, 0.2)))), 'REJECTED GLARE');
    assert.equal(verdict(await judgeSelfie(await stored(await withGlare(astronaut, 0.12)))), 'PASSED OK');
    // A scan: the card on a saturated white bed (the frame's own saturated share and blob are over any threshold).
    const scan = await sharp({ create: { width: 1400, height: 1000, channels: 3, background: '#ffffff' } })
      .composite([
        {
          input: await sharp(card).extract({ left: 200, top: 185, width: 1000, height: 630 }).toBuffer(),
          left: 200,
          top: 185,
        },
      ])
      .png()
      .toBuffer();
    const scanMetrics = await measureImageQuality(scan);
    assert.ok(scanMetrics.saturatedShare > 0.4 && scanMetrics.largestGlareBlobShare > 0.4);
    assert.equal(verdict(await judgeDocument(await stored(scan))), 'PASSED OK');
  });

  it('clusters glare: the same number of scattered bright pixels is not glare', async () => {
    // 1000 px wide, PNG: measured without resampling, so specks stay saturated.
    const base = await sharp(card).resize(1000).png().toBuffer();
    const spot = await sharp(await withGlare(base, 0.12))
      .png()
      .toBuffer();
    const [baseMetrics, spotMetrics] = await Promise.all([
      measureImageQuality(base),
      measureImageQuality(spot),
    ]);
    const { width, height } = (await sharp(base).metadata()) as { width: number; height: number };
    // As many saturated pixels as the spot added, spread as 3×3 specks on a grid.
    const specks = ((spotMetrics.saturatedShare - baseMetrics.saturatedShare) * width * height) / 9;
    const step = Math.floor(Math.sqrt((width * height) / specks));
    let rects = '';
    for (let y = 2; y < height - 3; y += step) {
      for (let x = 2; x < width - 3; x += step)
        rects += `<rect x="${x}" y="${y}" width="3" height="3" fill="#fff"/>`;
    }
    const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rects}</svg>`;
    const scattered = await sharp(base)
      .composite([{ input: Buffer.from(overlay) }])
      .png()
      .toBuffer();
    const scatteredMetrics = await measureImageQuality(scattered);
    assert.ok(
      scatteredMetrics.saturatedShare >= spotMetrics.saturatedShare * 0.7,
      'comparable saturated area',
    );
    assert.ok(scatteredMetrics.largestGlareBlobShare < spotMetrics.largestGlareBlobShare / 2);
    assert.equal(verdict(await judgeDocument(spot)), 'REJECTED GLARE');
    assert.equal(verdict(await judgeDocument(scattered)), 'PASSED OK');
  });

  it('flags low-resolution documents', async () => {
    assert.equal(
      verdict(await judgeDocument(await stored(sharp(card).resize(800)))),
      'WARNING LOW_RESOLUTION',
    );
    assert.equal(
      verdict(await judgeDocument(await stored(sharp(card).resize(480)))),
      'REJECTED LOW_RESOLUTION',
    );
  });

  it('judges a credential by its worst page', async () => {
    const result = await judgeDocument(await stored(card), await stored(sharp(card).blur(3)));
    assert.equal(verdict(result), 'REJECTED BLURRED');
    const parts = partReports(result);
    assert.deepEqual(
      parts.map((p) => [p.classifier, p.issues.length]),
      [
        ['FRONT', 0],
        ['BACK', 1],
      ],
    );
  });
});

describe('usability: completeness', () => {
  it('rejects missing pages and missing uploads, and does not pretend to measure what it cannot', async () => {
    const jpeg = await sharp(readFileSync(ASTRONAUT)).jpeg().toBuffer();
    const input: ExecutionInput = {
      executionId: 'wf_test',
      definitionKey: 10013,
      credentials: [
        { id: 'id-1', category: 'ID', requiredClassifiers: ['FRONT', 'BACK'] },
        { id: 'selfie-1', category: 'SELFIE', requiredClassifiers: ['FACE'] },
        { id: 'facemap-1', category: 'FACEMAP', requiredClassifiers: ['FACEMAP'] },
        { id: 'pdf-1', category: 'ID', requiredClassifiers: ['FRONT'] },
      ],
      parts: [
        part('id-1', 'ID', 'FRONT', jpeg),
        part('facemap-1', 'FACEMAP', 'FACEMAP', Buffer.from('opaque'), 'application/octet-stream'),
        part('pdf-1', 'ID', 'FRONT', Buffer.from('%PDF-1.7\n%%EOF'), 'application/pdf'),
      ],
    };
    const results = await usabilityCapability.run(input);
    assert.deepEqual(
      results.map((r) => [r.credentials[0]!.id, verdict(r)]),
      [
        ['id-1', 'REJECTED MISSING_PAGE'],
        ['selfie-1', 'REJECTED NOT_UPLOADED'],
        ['facemap-1', 'NOT_EXECUTED NOT_SUPPORTED'],
        ['pdf-1', 'NOT_EXECUTED NOT_SUPPORTED'],
      ],
    );
    assert.deepEqual(results[0]!.data, { missingClassifiers: ['BACK'] });
  });
});
