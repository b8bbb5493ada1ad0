/**
 * Bad input to the liveness verification keeps its own label (issue #14): a frame without a face, a frame with two
 * people, bytes that no longer decode, a frame the presentation-attack signal reads as an attack. Real face analysis
 * on the synthetic head-pose frames (scripts/make-liveness-fixtures.ts); only the last case wraps the analysis to
 * set the antispoof score, because our own rendered attacks are not told apart by the model (docs/liveness.md).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  type LivenessPose,
  livenessFramePath,
  makeLivenessFixtures,
} from '../../../scripts/make-liveness-fixtures.js';
import { analyzeFaces, FaceAnalyzerError } from '../../../src/server/faces/face-analysis.js';
import { DEFAULT_LIVENESS_OPTIONS } from '../../../src/server/liveness/liveness-options.js';
import { type SequenceFrame, verifyLivenessSequence } from '../../../src/server/liveness/verify-sequence.js';

const passive = { mode: 'passive' as const, actions: [], burstFrames: 3 };
const pose = (name: LivenessPose) => readFileSync(livenessFramePath('astronaut', name));

function burst(images: Buffer[]): SequenceFrame[] {
  return images.map((bytes, index) => ({
    index,
    kind: 'burst',
    step: 0,
    capturedAtMs: 250 * (index + 1),
    receivedAfterIssueMs: 250 * (index + 1) + 40,
    sha256: `frame-${index}`,
    read: async () => bytes,
  }));
}

const verify = (frames: SequenceFrame[], analyze = analyzeFaces) =>
  verifyLivenessSequence(passive, frames, { options: DEFAULT_LIVENESS_OPTIONS, analyze });

describe('liveness verification: bad input keeps its label', { timeout: 180_000 }, () => {
  let honest: Buffer[];
  before(async () => {
    await makeLivenessFixtures();
    honest = [pose('neutral'), pose('sway-a'), pose('sway-b')];
  });

  it('passes the honest burst (the baseline of the cases below)', async () => {
    const verdict = await verify(burst(honest));
    assert.equal(verdict.label, 'OK', JSON.stringify(verdict.measures));
    assert.equal(typeof verdict.measures.antispoof, 'number', 'the passive signal is measured');
  });

  it('a frame without a face: NO_FACE_PRESENT', async () => {
    const wall = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a8478' } })
      .jpeg()
      .toBuffer();
    const verdict = await verify(burst([honest[0]!, wall, honest[2]!]));
    assert.deepEqual([verdict.passed, verdict.label, verdict.measures.frame], [false, 'NO_FACE_PRESENT', 1]);
  });

  it('a frame with two people: MULTIPLE_PEOPLE', async () => {
    const other = readFileSync(livenessFramePath('other', 'neutral'));
    const half = (bytes: Buffer) => sharp(bytes).resize(320, 240).toBuffer();
    const two = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080' } })
      .composite([
        { input: await half(honest[1]!), left: 0, top: 120 },
        { input: await half(other), left: 320, top: 120 },
      ])
      .jpeg()
      .toBuffer();
    const verdict = await verify(burst([honest[0]!, two, honest[2]!]));
    assert.deepEqual([verdict.passed, verdict.label], [false, 'MULTIPLE_PEOPLE']);
  });

  it('stored bytes that no longer decode (a truncated JPEG): LIVENESS_UNDETERMINED, not a crash', async () => {
    const truncated = honest[1]!.subarray(0, 600);
    const verdict = await verify(burst([honest[0]!, truncated, honest[2]!]));
    assert.deepEqual(
      [verdict.passed, verdict.label, verdict.measures.unreadableFrame],
      [false, 'LIVENESS_UNDETERMINED', 1],
    );
  });

  it('a frame whose analysis crashed two pool workers: LIVENESS_UNDETERMINED, not a 500', async () => {
    const poison = honest[1]!;
    const crashing = async (image: Buffer) => {
      if (image === poison)
        throw new FaceAnalyzerError('FACE_ANALYSIS_CRASHED', 'face analysis crashed twice');
      return analyzeFaces(image);
    };
    const verdict = await verify(burst(honest), crashing);
    assert.deepEqual(
      [verdict.passed, verdict.label, verdict.measures.unreadableFrame],
      [false, 'LIVENESS_UNDETERMINED', 1],
    );
  });

  it('frames the passive signal reads as an attack: PRESENTATION_ATTACK_SUSPECTED', async () => {
    const spoofed = async (image: Buffer) => {
      const analysis = await analyzeFaces(image);
      return {
        ...analysis,
        faces: analysis.faces.map((f) => ({ ...f, presentationAttack: { antispoof: 0.02, liveness: 0.5 } })),
      };
    };
    const verdict = await verify(burst(honest), spoofed);
    assert.deepEqual([verdict.passed, verdict.label], [false, 'PRESENTATION_ATTACK_SUSPECTED']);
    assert.equal(verdict.measures.minAntispoof, DEFAULT_LIVENESS_OPTIONS.presentationAttack.minAntispoof);
  });
});
