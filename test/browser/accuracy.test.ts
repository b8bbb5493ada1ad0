/**
 * Accuracy of the on-device checks on the labelled set (scripts/make-accuracy-set.ts), in real Chromium: every
 * clean image accepted ≥ 95 %, every labelled defect caught ≥ 90 % at its labelled severity, per reason.
 * The same table goes into the bench report (bench/accuracy.ts).
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import {
  type AccuracyReport,
  type AccuracyRow,
  accuracyTableRows,
  CLEAN_TARGET,
  DEFECT_TARGET,
  runAccuracySuite,
} from '../../bench/accuracy-suite.js';

function explain(report: AccuracyReport, rows: AccuracyRow[]): string {
  const table = accuracyTableRows({ ...report, rows }).map(
    (r) =>
      `  ${String(r.check).padEnd(9)}${String(r.label).padEnd(20)}${String(r['caught / accepted']).padStart(7)}  recall ${String(r.recall).padStart(6)}  precision ${String(r.precision).padStart(6)}  target ${r.target}`,
  );
  const misses = report.misses
    .filter((m) => rows.some((r) => r.check === m.check && r.label === m.label))
    .map((m) => `  miss ${m.file}: ${m.label} → [${m.reported.join(', ')}]`);
  return `\n${[...table, ...misses].join('\n')}`;
}

/**
 * Classes that miss the target because of the analysis code (src/analysis, owned by H5), reported to the
 * lead with the numbers below. They are held to their measured recall so they cannot silently get worse; the bench
 * table (bench/accuracy.ts) shows them as not met. Remove an entry as soon as its class meets the target.
 */
const OPEN_SHORTFALLS: Partial<
  Record<`${AccuracyRow['check']}:${string}`, { measured: number; why: string }>
> = {};

function assertTargets(report: AccuracyReport, check: AccuracyRow['check']): void {
  const rows = report.rows.filter((r) => r.check === check);
  expect(rows.length, `${check} rows`).to.be.greaterThan(1);
  // Print the table either way: it is the point of the suite.
  console.log(explain(report, rows));
  for (const r of rows) {
    expect(r.n, `${r.label} sample count`).to.be.greaterThan(0);
    const target = r.label === 'clean' || r.label === 'decoded' ? CLEAN_TARGET : DEFECT_TARGET;
    const shortfall = OPEN_SHORTFALLS[`${check}:${r.label}`];
    const message = `${check} ${r.label}: ${r.hits}/${r.n}${explain(report, [r])}`;
    if (shortfall && r.recall < target) {
      console.warn(`BELOW TARGET ${check} ${r.label}: ${r.hits}/${r.n} < ${target} — ${shortfall.why}`);
      expect(r.recall, message).to.be.at.least(shortfall.measured);
    } else {
      expect(r.recall, message).to.be.at.least(target);
    }
  }
}

describe('accuracy suite (labelled set, Chromium)', () => {
  it('documents: clean accepted ≥ 95 %, each defect caught ≥ 90 % (open shortfalls held at their measured recall)', async () => {
    const report = await runAccuracySuite({ parts: ['document'] });
    expect(report.rows.map((r) => r.label)).to.include.members(['clean', 'BLURRY', 'GLARE', 'TILTED']);
    assertTargets(report, 'document');
  });

  it('faces (MediaPipe FaceLandmarker from our assets): clean accepted ≥ 95 %, each defect caught ≥ 90 %', async () => {
    const report = await runAccuracySuite({ parts: ['face'] });
    expect(report.rows.map((r) => r.label)).to.include.members(['clean', 'MULTIPLE_FACES', 'FACE_TOO_SMALL']);
    assertTargets(report, 'face');
  });

  it('barcodes: readable PDF417s decode to their payload, unreadable ones are caught', async () => {
    const report = await runAccuracySuite({ parts: ['barcode'] });
    assertTargets(report, 'barcode');
  });

  it('made no request to a third-party origin', async () => {
    expect(await executeServerCommand('third-party-requests')).to.deep.equal([]);
  });
});
