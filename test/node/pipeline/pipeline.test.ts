import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  aggregateDecision,
  type Capability,
  type CapabilityResult,
  type DecisionType,
  type ExecutionInput,
  PipelineError,
  riskScore,
  runPipeline,
  usabilityCapability,
} from '../../../src/server/pipeline/index.js';

const ASTRONAUT = new URL('../../fixtures/astronaut.png', import.meta.url);
const SAMPLE_PHOTO = new URL('../../../node_modules/@vladmandic/face-api/demo/sample4.jpg', import.meta.url);

function input(definitionKey: 10011 | 10013, parts: ExecutionInput['parts'] = []): ExecutionInput {
  return {
    executionId: 'wf_1',
    definitionKey,
    credentials: [
      { id: 'id-1', category: 'ID', requiredClassifiers: ['FRONT'] },
      { id: 'selfie-1', category: 'SELFIE', requiredClassifiers: ['FACE'] },
    ],
    parts,
  };
}

function result(type: DecisionType, label: string): CapabilityResult {
  return { id: `r-${label}`, credentials: [], decision: { type, details: { label } } };
}

/** A capability that answers fixed results and records when it ran. */
function stub(name: string, results: CapabilityResult[], log: string[] = []): Capability {
  return {
    name,
    async run() {
      log.push(name);
      return results;
    },
  };
}

describe('runPipeline', () => {
  it('runs the default usability capability on stored parts and passes good captures', async () => {
    const selfie = await sharp(readFileSync(ASTRONAUT)).jpeg({ quality: 92 }).toBuffer();
    // A real 1920 px camera photo stands in for the document page (an upscaled image would rightly count as blurred).
    const front = await sharp(readFileSync(SAMPLE_PHOTO)).jpeg({ quality: 92 }).toBuffer();
    const read = (b: Buffer) => async () => b;
    const outcome = await runPipeline(
      input(10011, [
        {
          credentialId: 'id-1',
          credentialCategory: 'ID',
          classifier: 'FRONT',
          mime: 'image/jpeg',
          width: 1920,
          height: 1448,
          read: read(front),
        },
        {
          credentialId: 'selfie-1',
          credentialCategory: 'SELFIE',
          classifier: 'FACE',
          mime: 'image/jpeg',
          width: 512,
          height: 512,
          read: read(selfie),
        },
      ]),
      // usability only: the two photos are different people, which is the similarity capability's business
      [usabilityCapability],
    );
    assert.deepEqual(
      outcome.capabilities.usability!.map((r) => [
        r.credentials[0]!.id,
        r.decision.type,
        r.decision.details.label,
      ]),
      [
        ['id-1', 'PASSED', 'OK'],
        ['selfie-1', 'PASSED', 'OK'],
      ],
    );
    assert.equal(outcome.decision.type, 'PASSED');
    assert.equal(outcome.decision.details.label, 'OK');
    assert.ok(outcome.decision.risk.score >= 0 && outcome.decision.risk.score < 40);
  });

  it('rejects the execution when nothing was uploaded', async () => {
    const outcome = await runPipeline(input(10011));
    assert.equal(outcome.decision.type, 'REJECTED');
    assert.equal(outcome.decision.details.label, 'NOT_UPLOADED');
    assert.ok(outcome.decision.risk.score >= 80);
  });

  it('reports what 10011 implies but this server does not do as NOT_EXECUTED, never as passed', async () => {
    const outcome = await runPipeline(input(10011), [stub('usability', [result('PASSED', 'OK')])]);
    const labels = Object.fromEntries(
      Object.entries(outcome.capabilities).map(([name, results]) => [
        name,
        results.map((r) => `${r.decision.type} ${r.decision.details.label}`),
      ]),
    );
    assert.deepEqual(labels, {
      usability: ['PASSED OK'],
      imageChecks: ['NOT_EXECUTED NOT_IMPLEMENTED'],
      extraction: ['NOT_EXECUTED NOT_IMPLEMENTED'],
      dataChecks: ['NOT_EXECUTED NOT_IMPLEMENTED'],
      liveness: ['NOT_EXECUTED NOT_REQUESTED'],
      similarity: ['NOT_EXECUTED NOT_IMPLEMENTED'],
    });
    assert.deepEqual(
      outcome.capabilities.similarity![0]!.credentials.map((c) => c.id),
      ['id-1', 'selfie-1'],
    );
    assert.equal(
      outcome.decision.type,
      'PASSED',
      'NOT_EXECUTED placeholders do not sink a decision usability made',
    );
  });

  it('adds the out-of-scope 10013 capabilities as NOT_SUPPORTED', async () => {
    const outcome = await runPipeline(input(10013), [stub('usability', [result('PASSED', 'OK')])]);
    for (const name of ['watchlistScreening', 'proofOfResidency', 'drivingLicenseVerification']) {
      const [only, ...rest] = outcome.capabilities[name]!;
      assert.deepEqual(
        [only!.decision.type, only!.decision.details.label, rest.length],
        ['NOT_EXECUTED', 'NOT_SUPPORTED', 0],
        name,
      );
    }
    for (const name of ['similarity', 'extraction', 'dataChecks']) {
      assert.equal(outcome.capabilities[name]![0]!.decision.details.label, 'NOT_IMPLEMENTED', name);
    }
    // 10013 asks for liveness and its capability always answers, so there is no placeholder to stand in for it.
    assert.equal(outcome.capabilities.liveness, undefined);
    assert.equal(outcome.decision.type, 'PASSED');
    const tenEleven = await runPipeline(input(10011), [stub('usability', [result('PASSED', 'OK')])]);
    assert.ok(
      outcome.decision.risk.score > tenEleven.decision.risk.score,
      'more unverified checks, more risk',
    );
  });

  it('rejects a 10013 execution whose user never passed liveness', async () => {
    const outcome = await runPipeline(input(10013));
    const [liveness, ...rest] = outcome.capabilities.liveness!;
    assert.deepEqual(
      [liveness!.decision.type, liveness!.decision.details.label, rest.length],
      ['REJECTED', 'LIVENESS_UNDETERMINED', 0],
    );
    assert.deepEqual(
      liveness!.credentials.map((c) => c.id),
      ['selfie-1'],
    );
    assert.equal(outcome.decision.type, 'REJECTED');
  });

  it('runs capabilities in order, and a real capability replaces its placeholder', async () => {
    const log: string[] = [];
    const outcome = await runPipeline(input(10011), [
      stub('usability', [result('PASSED', 'OK')], log),
      stub('liveness', [result('WARNING', 'LIVENESS_UNDETERMINED')], log),
      stub('similarity', [result('PASSED', 'MATCH')], log),
    ]);
    assert.deepEqual(log, ['usability', 'liveness', 'similarity']);
    assert.equal(outcome.capabilities.liveness!.length, 1);
    assert.equal(outcome.capabilities.liveness![0]!.decision.details.label, 'LIVENESS_UNDETERMINED');
    assert.deepEqual(
      [outcome.decision.type, outcome.decision.details.label],
      ['WARNING', 'LIVENESS_UNDETERMINED'],
    );
  });

  it('is NOT_EXECUTED when no capability executed', async () => {
    const outcome = await runPipeline(input(10011), []);
    assert.deepEqual([outcome.decision.type, outcome.decision.risk.score], ['NOT_EXECUTED', 50]);
  });

  it('fails with a coded error, not a verdict, when a capability crashes', async () => {
    const broken: Capability = {
      name: 'usability',
      run: async () => {
        throw new Error('blob store unreachable');
      },
    };
    await assert.rejects(runPipeline(input(10011), [broken]), (error: unknown) => {
      assert.ok(error instanceof PipelineError);
      assert.equal(error.code, 'CAPABILITY_FAILED');
      assert.equal(error.capability, 'usability');
      assert.equal((error.cause as Error).message, 'blob store unreachable');
      return true;
    });
  });
});

describe('decision aggregation and risk', () => {
  it('orders REJECTED over WARNING over PASSED over NOT_EXECUTED', () => {
    const agg = (...results: CapabilityResult[]) => {
      const d = aggregateDecision(results);
      return `${d.type} ${d.details.label}`;
    };
    assert.equal(
      agg(result('PASSED', 'OK'), result('WARNING', 'GLARE'), result('REJECTED', 'BLURRED')),
      'REJECTED BLURRED',
    );
    assert.equal(
      agg(result('NOT_EXECUTED', 'NOT_IMPLEMENTED'), result('WARNING', 'GLARE'), result('PASSED', 'OK')),
      'WARNING GLARE',
    );
    assert.equal(agg(result('NOT_EXECUTED', 'NOT_IMPLEMENTED'), result('PASSED', 'OK')), 'PASSED OK');
    assert.equal(agg(result('NOT_EXECUTED', 'NOT_SUPPORTED')), 'NOT_EXECUTED NOT_EXECUTED');
    assert.equal(agg(), 'NOT_EXECUTED NOT_EXECUTED');
  });

  it('keeps risk bands ordered however many results pile up', () => {
    const many = (type: DecisionType, n: number) =>
      Array.from({ length: n }, (_, i) => result(type, `L${i}`));
    const worstPassed = riskScore('PASSED', [...many('PASSED', 1), ...many('NOT_EXECUTED', 40)]);
    const bestWarning = riskScore('WARNING', many('WARNING', 1));
    const worstWarning = riskScore('WARNING', [...many('WARNING', 30), ...many('NOT_EXECUTED', 40)]);
    const bestRejected = riskScore('REJECTED', many('REJECTED', 1));
    const worstRejected = riskScore('REJECTED', [...many('REJECTED', 30), ...many('WARNING', 30)]);
    assert.equal(riskScore('PASSED', many('PASSED', 3)), 0);
    assert.ok(
      worstPassed < bestWarning && worstWarning < bestRejected,
      `${worstPassed} ${bestWarning} ${worstWarning} ${bestRejected}`,
    );
    assert.equal(worstRejected, 100);
    assert.ok(riskScore('REJECTED', many('REJECTED', 2)) > bestRejected);
  });
});
