/**
 * Accuracy of the on-device checks on the labelled set (scripts/make-accuracy-set.ts), in real Chromium. Documents
 * (realistic frames of our designs): clean accepted ≥ 97 %, each defect refused ≥ 90 % and with its own reason ≥ 85 %.
 * Faces and barcodes: clean accepted ≥ 95 %, every labelled defect caught ≥ 90 %. The same tables go into the bench
 * report (bench/accuracy.ts); bench/accuracy-real.ts adds a larger draw and the real specimens.
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
import { confusionTableRows, DOCUMENT_TARGETS } from '../../bench/document-tally.js';

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
 * Classes that miss the issue's target because of the analysis code (src/analysis), reported to the lead with the
 * numbers below. They are held to their measured recall so they cannot silently get worse; the bench tables
 * (bench/accuracy.ts, bench/accuracy-real.ts) show them as not met. Remove an entry as soon as its class meets the
 * target. None open: documents' clean (79/84 → 82/84) and DOCUMENT_TOO_FAR (22/28 → 26/28) met theirs in round 2.
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
  it('documents: clean accepted ≥ 97 %, each defect refused ≥ 90 % and with its own reason ≥ 85 %', async () => {
    const report = await runAccuracySuite({ parts: ['document'] });
    const tally = report.documents!;
    expect(tally.rows.map((r) => r.label)).to.include.members([
      'clean',
      'BLURRY',
      'GLARE',
      'TILTED',
      'NO_DOCUMENT',
    ]);
    console.log(explain(report, report.rows));
    console.log(
      confusionTableRows(tally, 'generated')
        .map((r) => `  ${JSON.stringify(r)}`)
        .join('\n'),
    );
    for (const r of tally.rows) {
      const message = `document ${r.label}: ${r.caught}/${r.n} ${r.label === 'clean' ? 'accepted' : `refused, ${r.reason} with its reason`}`;
      const shortfall = OPEN_SHORTFALLS[`document:${r.label}`];
      expect(r.n, `${r.label} sample count`).to.be.greaterThan(0);
      if (r.label === 'clean') {
        if (shortfall && r.caught / r.n < DOCUMENT_TARGETS.clean) {
          console.warn(`BELOW TARGET ${message} — ${shortfall.why}`);
          expect(r.caught / r.n, message).to.be.at.least(shortfall.measured);
        } else expect(r.caught / r.n, message).to.be.at.least(DOCUMENT_TARGETS.clean);
        continue;
      }
      expect(r.caught / r.n, message).to.be.at.least(DOCUMENT_TARGETS.caught);
      if (shortfall && r.reason / r.n < DOCUMENT_TARGETS.reason) {
        console.warn(`BELOW TARGET ${message} — ${shortfall.why}`);
        expect(r.reason / r.n, message).to.be.at.least(shortfall.measured);
      } else expect(r.reason / r.n, message).to.be.at.least(DOCUMENT_TARGETS.reason);
    }
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
