import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { closeDocumentReaders } from '../../../src/server/documents/index.js';
import { detectFaces } from '../../../src/server/faces/face-analysis.js';
import { loadFaceAnalyzer } from '../../../src/server/faces/face-analyzer.js';
import {
  DEFAULT_FACE_MATCH_THRESHOLD as FACE_MATCH_THRESHOLD,
  faceMatchScore,
  matchDescriptors,
} from '../../../src/server/faces/face-match.js';
import {
  type CapabilityResult,
  type ExecutionInput,
  runPipeline,
  type StoredPart,
  similarityCapability,
} from '../../../src/server/pipeline/index.js';
import { encodePng, idCardFront, type RgbaImage } from '../../support/specimens/index.js';

const ASTRONAUT = readFileSync(new URL('../../fixtures/astronaut.png', import.meta.url));
const GROUP_PHOTO = readFileSync(
  new URL('../../../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url),
);

async function jpegPart(
  credentialId: string,
  category: StoredPart['credentialCategory'],
  classifier: string,
  bytes: Buffer,
): Promise<StoredPart> {
  const jpeg = await sharp(bytes).jpeg({ quality: 90 }).toBuffer();
  const { width = 0, height = 0 } = await sharp(jpeg).metadata();
  return {
    credentialId,
    credentialCategory: category,
    classifier,
    mime: 'image/jpeg',
    width,
    height,
    read: async () => jpeg,
  };
}

function execution(parts: StoredPart[]): ExecutionInput {
  return {
    executionId: 'wf_faces',
    definitionKey: 10011,
    credentials: [
      { id: 'id-1', category: 'ID', requiredClassifiers: ['FRONT'] },
      { id: 'selfie-1', category: 'SELFIE', requiredClassifiers: ['FACE'] },
    ],
    parts,
  };
}

async function similarity(selfie: Buffer, front: Buffer): Promise<CapabilityResult> {
  const results = await similarityCapability.run(
    execution([
      await jpegPart('id-1', 'ID', 'FRONT', front),
      await jpegPart('selfie-1', 'SELFIE', 'FACE', selfie),
    ]),
  );
  assert.equal(results.length, 1);
  return results[0]!;
}

const verdict = (r: CapabilityResult) => [r.decision.type, r.decision.details.label, r.data?.similarity];

/** One person cut out of the group photo, as a selfie would frame them. */
async function groupMemberSelfie(): Promise<Buffer> {
  const { box } = (await detectFaces(GROUP_PHOTO))[0]!;
  const meta = await sharp(GROUP_PHOTO).metadata();
  const scale = (meta.width ?? 0) / 1280;
  const margin = box.width * 0.6;
  const left = Math.max(0, Math.round((box.x - margin) * scale));
  const top = Math.max(0, Math.round((box.y - margin) * scale));
  return sharp(GROUP_PHOTO)
    .extract({
      left,
      top,
      width: Math.min((meta.width ?? 0) - left, Math.round((box.width + 2 * margin) * scale)),
      height: Math.min((meta.height ?? 0) - top, Math.round((box.height + 2 * margin) * scale)),
    })
    .resize({ width: 480 })
    .jpeg()
    .toBuffer();
}

describe('faceMatchScore', () => {
  it('maps distance monotonically to 0–100 with 80 exactly at the calibrated threshold', () => {
    assert.equal(faceMatchScore(0), 100);
    assert.equal(faceMatchScore(FACE_MATCH_THRESHOLD), 80);
    assert.equal(faceMatchScore(1), 0);
    assert.equal(faceMatchScore(1.4), 0);
    let previous = Number.POSITIVE_INFINITY;
    for (let d = 0; d <= 1.2; d += 0.01) {
      const score = faceMatchScore(d);
      assert.ok(score <= previous && score >= 0 && score <= 100, `d=${d}`);
      assert.equal(score >= 80, d <= FACE_MATCH_THRESHOLD, `the 80 line follows the threshold at d=${d}`);
      previous = score;
    }
  });

  it('never rounds a near miss up to a match', () => {
    assert.ok(faceMatchScore(FACE_MATCH_THRESHOLD + 1e-6) < 80);
    // Two unit vectors at cosine distance d: (1, 0) and (1 − d, sin θ).
    const at = (d: number) => new Float32Array([1 - d, Math.sqrt(1 - (1 - d) ** 2)]);
    const origin = new Float32Array([1, 0]);
    assert.equal(matchDescriptors(origin, at(FACE_MATCH_THRESHOLD + 1e-3)).similarity, 'NO_MATCH');
    assert.equal(matchDescriptors(origin, at(FACE_MATCH_THRESHOLD - 1e-3)).similarity, 'MATCH');
  });

  it('follows the client’s own threshold (the KYC seed’s onboarding_face_encoding_tolerance)', () => {
    const origin = new Float32Array([1, 0]);
    const d = 0.35;
    const pair = new Float32Array([1 - d, Math.sqrt(1 - (1 - d) ** 2)]);
    assert.equal(matchDescriptors(origin, pair).similarity, 'MATCH', 'default threshold');
    const strict = matchDescriptors(origin, pair, { threshold: 0.3 });
    assert.deepEqual([strict.similarity, strict.threshold], ['NO_MATCH', 0.3]);
    assert.ok(strict.faceMatchScore < 80);
  });
});

describe('similarity capability (real face analysis)', () => {
  let astronautCard: Buffer;
  before(async () => {
    await loadFaceAnalyzer();
    astronautCard = encodePng(await idCardFront());
  });

  it('matches the astronaut selfie with the card carrying their portrait', async () => {
    const result = await similarity(ASTRONAUT, astronautCard);
    assert.deepEqual(verdict(result), ['PASSED', 'MATCH', 'MATCH']);
    assert.ok((result.data!.faceMatchScore as number) >= 80);
    assert.deepEqual(
      result.credentials.map((c) => c.id),
      ['id-1', 'selfie-1'],
    );
    assert.equal(result.data!.threshold, FACE_MATCH_THRESHOLD);
    assert.equal(result.data!.descriptor, undefined, 'no biometric template in the results');
  });

  it('rejects a different person (a face from a group photo) against the astronaut card', async () => {
    const result = await similarity(await groupMemberSelfie(), astronautCard);
    assert.deepEqual(verdict(result), ['REJECTED', 'NO_MATCH', 'NO_MATCH']);
    assert.ok((result.data!.faceMatchScore as number) < 80);
    assert.equal(result.data!.facesInSelfie, 1);
  });

  it('is not possible without a face in the selfie', async () => {
    const wall = await sharp({
      create: {
        width: 640,
        height: 480,
        channels: 3,
        background: '#787878',
        noise: { type: 'gaussian', mean: 120, sigma: 35 },
      },
    })
      .png()
      .toBuffer();
    const result = await similarity(wall, astronautCard);
    assert.deepEqual(verdict(result), ['NOT_EXECUTED', 'NO_FACE_PRESENT', 'NOT_POSSIBLE']);
    assert.equal(result.data!.faceMatchScore, undefined);
  });

  it('is not possible with several people in the selfie', async () => {
    const result = await similarity(GROUP_PHOTO, astronautCard);
    assert.deepEqual(verdict(result), ['NOT_EXECUTED', 'MULTIPLE_PEOPLE', 'NOT_POSSIBLE']);
    assert.ok((result.data!.facesInSelfie as number) >= 3);
  });

  it('is not possible when the card shows no face', async () => {
    const blank: RgbaImage = {
      width: 240,
      height: 320,
      data: new Uint8ClampedArray(240 * 320 * 4).fill(180),
    };
    const result = await similarity(ASTRONAUT, encodePng(await idCardFront({ portrait: blank })));
    assert.deepEqual(verdict(result), ['NOT_EXECUTED', 'NO_FACE_ON_DOCUMENT', 'NOT_POSSIBLE']);
  });

  it('says NOT_UPLOADED, without analysing anything, when the selfie is missing', async () => {
    const results = await similarityCapability.run(
      execution([await jpegPart('id-1', 'ID', 'FRONT', astronautCard)]),
    );
    assert.deepEqual(results.map(verdict), [['NOT_EXECUTED', 'NOT_UPLOADED', 'NOT_POSSIBLE']]);
  });
});

describe('pipeline with the default capabilities and stored parts', () => {
  // The default capabilities read documents with OCR, whose worker thread would keep this file's process alive.
  after(closeDocumentReaders);

  it('feeds a NO_MATCH into the execution decision as REJECTED', async () => {
    const outcome = await runPipeline(
      execution([
        await jpegPart('id-1', 'ID', 'FRONT', encodePng(await idCardFront())),
        await jpegPart('selfie-1', 'SELFIE', 'FACE', await groupMemberSelfie()),
      ]),
    );
    assert.deepEqual(outcome.capabilities.similarity!.map(verdict), [['REJECTED', 'NO_MATCH', 'NO_MATCH']]);
    assert.equal(outcome.decision.type, 'REJECTED');
    assert.ok(outcome.decision.risk.score >= 80);
    const rejectedBy = Object.values(outcome.capabilities)
      .flat()
      .filter((r) => r.decision.type === 'REJECTED')
      .map((r) => r.decision.details.label);
    assert.ok(rejectedBy.includes('NO_MATCH'), JSON.stringify(rejectedBy));
  });

  it('replaces the similarity placeholder with a real MATCH for the genuine pair', async () => {
    const outcome = await runPipeline(
      execution([
        await jpegPart('id-1', 'ID', 'FRONT', encodePng(await idCardFront())),
        await jpegPart('selfie-1', 'SELFIE', 'FACE', ASTRONAUT),
      ]),
    );
    assert.deepEqual(outcome.capabilities.similarity!.map(verdict), [['PASSED', 'MATCH', 'MATCH']]);
    assert.notEqual(outcome.decision.details.label, 'NO_MATCH');
    // 10011 has liveness too now: without a passed challenge it is what rejects, not the face match.
    assert.deepEqual(
      outcome.capabilities.liveness!.map((r) => [r.decision.type, r.decision.details.label]),
      [['REJECTED', 'LIVENESS_UNDETERMINED']],
    );
  });
});
