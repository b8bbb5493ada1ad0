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
  livenessCapability,
  PipelineError,
  riskScore,
  runPipeline,
  usabilityCapability,
  WORKFLOW_REQUIREMENTS,
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
  it('runs the usability capability on stored parts and passes good captures (but usability alone decides nothing)', async () => {
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
    assert.deepEqual(
      [outcome.decision.type, outcome.decision.details.capability],
      ['WARNING', 'imageChecks'],
      'usability passing is no evidence of a document, a match or a live person',
    );
  });

  it('rejects the execution when nothing was uploaded', async () => {
    const outcome = await runPipeline(input(10011), [usabilityCapability]);
    assert.equal(outcome.decision.type, 'REJECTED');
    assert.equal(outcome.decision.details.label, 'NOT_UPLOADED');
    assert.equal(outcome.decision.details.capability, 'usability');
    assert.ok(outcome.decision.risk.score >= 80);
  });

  it('never passes while a required capability has not run: its placeholder says NOT_PERFORMED', async () => {
    const outcome = await runPipeline(input(10011), [stub('usability', [result('PASSED', 'OK')])]);
    const labels = Object.fromEntries(
      Object.entries(outcome.capabilities).map(([name, results]) => [
        name,
        results.map((r) => `${r.decision.type} ${r.decision.details.label}`),
      ]),
    );
    assert.deepEqual(labels, {
      usability: ['PASSED OK'],
      imageChecks: ['NOT_EXECUTED NOT_PERFORMED'],
      extraction: ['NOT_EXECUTED NOT_PERFORMED'],
      dataChecks: ['NOT_EXECUTED NOT_PERFORMED'],
      liveness: ['NOT_EXECUTED NOT_PERFORMED'],
      similarity: ['NOT_EXECUTED NOT_PERFORMED'],
    });
    assert.deepEqual(
      outcome.capabilities.similarity![0]!.credentials.map((c) => c.id),
      ['id-1', 'selfie-1'],
    );
    assert.deepEqual(
      [outcome.decision.type, outcome.decision.details.label, outcome.decision.details.capability],
      ['WARNING', 'NOT_PERFORMED', 'imageChecks'],
    );
  });

  it('passes only when every required capability passed; 10013 adds screening and reports what it cannot do', async () => {
    const passing = (names: string[]) => names.map((name) => stub(name, [result('PASSED', 'OK')]));
    const tenEleven = await runPipeline(input(10011), passing([...WORKFLOW_REQUIREMENTS[10011].required]));
    assert.deepEqual([tenEleven.decision.type, tenEleven.decision.details.label], ['PASSED', 'OK']);
    assert.equal(tenEleven.decision.risk.score, 0);

    const withoutList = await runPipeline(input(10013), [
      ...passing([...WORKFLOW_REQUIREMENTS[10011].required]),
      stub('watchlistScreening', [result('NOT_EXECUTED', 'NO_LIST_CONFIGURED')]),
    ]);
    assert.deepEqual(
      [
        withoutList.decision.type,
        withoutList.decision.details.label,
        withoutList.decision.details.capability,
      ],
      ['WARNING', 'NO_LIST_CONFIGURED', 'watchlistScreening'],
      'a required check that did not run is no pass',
    );
    const tenThirteen = await runPipeline(input(10013), passing([...WORKFLOW_REQUIREMENTS[10013].required]));
    assert.equal(tenThirteen.decision.type, 'PASSED');
    for (const name of ['proofOfResidency', 'drivingLicenseVerification']) {
      const [only, ...rest] = tenThirteen.capabilities[name]!;
      assert.deepEqual(
        [only!.decision.type, only!.decision.details.label, rest.length],
        ['NOT_EXECUTED', 'NOT_SUPPORTED', 0],
        name,
      );
    }
    assert.ok(tenThirteen.decision.risk.score > tenEleven.decision.risk.score, 'unsupported checks add risk');
    assert.ok(tenThirteen.decision.risk.score < 40);
  });

  it('is not rescued by other passes: one failed check among passes rejects, one warning warns', async () => {
    const required = [...WORKFLOW_REQUIREMENTS[10011].required];
    const with_ = (name: string, r: CapabilityResult) =>
      required.map((n) => stub(n, [n === name ? r : result('PASSED', 'OK')]));
    const rejected = await runPipeline(input(10011), with_('dataChecks', result('REJECTED', 'EXPIRED')));
    assert.deepEqual(
      [rejected.decision.type, rejected.decision.details.label, rejected.decision.details.capability],
      ['REJECTED', 'EXPIRED', 'dataChecks'],
    );
    const warned = await runPipeline(input(10011), with_('extraction', result('WARNING', 'LOW_CONFIDENCE')));
    assert.deepEqual([warned.decision.type, warned.decision.details.label], ['WARNING', 'LOW_CONFIDENCE']);
    const notPossible = await runPipeline(
      input(10011),
      with_('similarity', result('NOT_EXECUTED', 'NO_FACE_PRESENT')),
    );
    assert.deepEqual(
      [notPossible.decision.type, notPossible.decision.details.label],
      ['WARNING', 'NO_FACE_PRESENT'],
    );
  });

  it('rejects a 10013 execution whose user never passed liveness', async () => {
    const outcome = await runPipeline(input(10013), [livenessCapability]);
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

  it('reports capabilities in the table’s order whatever order they ran in', async () => {
    const log: string[] = [];
    const outcome = await runPipeline(input(10011), [
      stub('similarity', [result('PASSED', 'MATCH')], log),
      stub('usability', [result('PASSED', 'OK')], log),
      stub('liveness', [result('WARNING', 'LIVENESS_UNDETERMINED')], log),
    ]);
    assert.deepEqual(log, ['similarity', 'usability', 'liveness']);
    assert.deepEqual(Object.keys(outcome.capabilities), [...WORKFLOW_REQUIREMENTS[10011].required]);
    assert.equal(outcome.capabilities.liveness!.length, 1);
    assert.deepEqual(
      [outcome.decision.type, outcome.decision.details.label, outcome.decision.details.capability],
      ['WARNING', 'NOT_PERFORMED', 'imageChecks'],
      'the first required capability in the table that did not pass gives the label',
    );
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
  const rules = WORKFLOW_REQUIREMENTS[10011];
  const all = (type: DecisionType, label: string) =>
    Object.fromEntries(rules.required.map((name) => [name, [result(type, label)]]));

  it('orders REJECTED over WARNING over PASSED', () => {
    const agg = (byName: Record<string, CapabilityResult[]>) => {
      const d = aggregateDecision(rules, byName);
      return `${d.type} ${d.details.label}`;
    };
    assert.equal(
      agg({
        ...all('PASSED', 'OK'),
        imageChecks: [result('WARNING', 'X')],
        dataChecks: [result('REJECTED', 'EXPIRED')],
      }),
      'REJECTED EXPIRED',
    );
    assert.equal(
      agg({ ...all('PASSED', 'OK'), similarity: [result('NOT_EXECUTED', 'NO_FACE_PRESENT')] }),
      'WARNING NO_FACE_PRESENT',
    );
    assert.equal(agg({ ...all('PASSED', 'OK'), extra: [result('WARNING', 'ALERT')] }), 'WARNING ALERT');
    assert.equal(
      agg({ ...all('PASSED', 'OK'), extra: [result('NOT_EXECUTED', 'NOT_SUPPORTED')] }),
      'PASSED OK',
    );
    assert.equal(agg(all('PASSED', 'OK')), 'PASSED OK');
    const { usability: _u, ...withoutUsability } = all('PASSED', 'OK');
    assert.equal(agg(withoutUsability), 'WARNING NOT_EXECUTED');
    assert.equal(aggregateDecision({ required: [], notSupported: [] }, {}).type, 'NOT_EXECUTED');
  });

  it('keeps risk bands ordered however many results pile up', () => {
    const many = (type: DecisionType, n: number) =>
      Array.from({ length: n }, (_, i) => result(type, `L${i}`));
    const score = (type: DecisionType, extra: CapabilityResult[], base = all('PASSED', 'OK')) =>
      riskScore(type, rules, { ...base, extra });
    const worstPassed = score('PASSED', many('NOT_EXECUTED', 40));
    const bestWarning = score('WARNING', many('WARNING', 1));
    const worstWarning = score('WARNING', [...many('WARNING', 30), ...many('NOT_EXECUTED', 40)]);
    const bestRejected = score('REJECTED', many('REJECTED', 1));
    const worstRejected = score('REJECTED', [...many('REJECTED', 30), ...many('WARNING', 30)]);
    assert.equal(score('PASSED', []), 0);
    assert.ok(
      worstPassed < bestWarning && worstWarning < bestRejected,
      `${worstPassed} ${bestWarning} ${worstWarning} ${bestRejected}`,
    );
    assert.equal(worstRejected, 100);
    assert.ok(score('REJECTED', many('REJECTED', 2)) > bestRejected);
    assert.ok(
      riskScore('WARNING', rules, { usability: [result('PASSED', 'OK')] }) > bestWarning,
      'five required capabilities missing weigh more than one warning',
    );
  });
});

describe('docs/decision.md', () => {
  it('lists exactly the requirements table of the code', () => {
    const doc = readFileSync(new URL('../../../docs/decision.md', import.meta.url), 'utf8');
    const table = doc
      .split('<!-- requirements-table:start -->')[1]!
      .split('<!-- requirements-table:end -->')[0]!;
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const column = { '10011': 2, '10013': 3, '10090': 4 } as const;
    const documented = (key: keyof typeof column, mark: string) =>
      rows.filter((cells) => cells[column[key]] === mark).map((cells) => cells[1]!.replace(/`/g, ''));
    for (const key of ['10011', '10013', '10090'] as const) {
      const code = WORKFLOW_REQUIREMENTS[Number(key) as 10011 | 10013 | 10090];
      assert.deepEqual(documented(key, 'required'), [...code.required], key);
      assert.deepEqual(documented(key, 'not supported'), [...code.notSupported], key);
    }
  });
});
