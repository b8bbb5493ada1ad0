/**
 * Labelled accuracy set for the document checks: rendered specimens, each with one known defect (or none), and a
 * precision / recall table. Targets: clean frames accepted ≥ 95%, each defect caught ≥ 90%.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessDocumentFrame, type DocumentIssue } from '../../../src/analysis/index.js';
import {
  renderScene,
  type SceneBackground,
  type SceneOptions,
  SeededRandom,
} from '../../support/specimens/index.js';
import { emptyScene, specimenDocs } from './fixtures.js';

type Label = 'clean' | DocumentIssue;

const BACKGROUNDS: SceneBackground[] = ['desk', 'wood', 'noise', 'plain'];

/** A plausible hand-held placement: the defect under test is layered on top of it. */
function placement(rand: SeededRandom, seed: number): SceneOptions {
  return {
    seed,
    background: BACKGROUNDS[seed % BACKGROUNDS.length],
    centerX: 0.5 + (rand.next() - 0.5) * 0.08,
    centerY: 0.5 + (rand.next() - 0.5) * 0.08,
    rotationDeg: (rand.next() - 0.5) * 20,
    scale: 0.6 + rand.next() * 0.2,
  };
}

const DEFECTS: Array<{ label: Label; variants: (r: SeededRandom) => SceneOptions }> = [
  {
    label: 'BLURRY',
    variants: (r) => (r.next() < 0.5 ? { blurSigma: 2.5 + r.next() } : { motionBlurPx: 12 + r.next() * 6 }),
  },
  {
    label: 'GLARE',
    variants: (r) => ({
      glare: { x: 0.35 + r.next() * 0.3, y: 0.25 + r.next() * 0.2, radius: 0.12, intensity: 1 },
    }),
  },
  { label: 'TOO_DARK', variants: (r) => ({ exposure: 0.25 + r.next() * 0.1 }) },
  { label: 'TOO_BRIGHT', variants: (r) => ({ exposure: 1.8 + r.next() * 0.4 }) },
  {
    label: 'DOCUMENT_CUT_OFF',
    variants: (r) => (r.next() < 0.5 ? { centerX: 0.78, scale: 0.65 } : { centerY: 0.8, scale: 0.6 }),
  },
  { label: 'DOCUMENT_TOO_FAR', variants: (r) => ({ scale: 0.26 + r.next() * 0.06 }) },
  {
    label: 'DOCUMENT_TOO_CLOSE',
    variants: (r) => ({
      scale: 0.97 + r.next() * 0.06,
      centerX: 0.5,
      centerY: 0.5,
      rotationDeg: (r.next() - 0.5) * 4,
    }),
  },
  {
    label: 'TILTED',
    variants: (r) => ({ tiltDeg: 35 + r.next() * 5, centerX: 0.5, centerY: 0.5, scale: 0.65 }),
  },
];

describe('document checks: labelled accuracy set', () => {
  it('accepts ≥ 95% of clean frames and catches ≥ 90% of each defect', async () => {
    const docs = await specimenDocs();
    const samples: Array<{ label: Label; issues: DocumentIssue[] }> = [];
    let seed = 100;
    for (const doc of Object.values(docs)) {
      for (let k = 0; k < 5; k++) {
        const rand = new SeededRandom(seed);
        samples.push({
          label: 'clean',
          issues: assessDocumentFrame(renderScene(doc, placement(rand, seed++)).image).issues,
        });
      }
      for (const defect of DEFECTS) {
        for (let k = 0; k < 2; k++) {
          const rand = new SeededRandom(seed);
          const scene = { ...placement(rand, seed++), ...defect.variants(rand) };
          samples.push({
            label: defect.label,
            issues: assessDocumentFrame(renderScene(doc, scene).image).issues,
          });
        }
      }
      for (let k = 0; k < 2; k++) {
        const scene = { seed, background: BACKGROUNDS[seed++ % BACKGROUNDS.length] };
        samples.push({ label: 'NO_DOCUMENT', issues: assessDocumentFrame(emptyScene(doc, scene)).issues });
      }
    }

    const labels = [...new Set(samples.map((s) => s.label))];
    const rows = labels.map((label) => {
      const mine = samples.filter((s) => s.label === label);
      const hit = (s: { issues: DocumentIssue[] }) =>
        label === 'clean' ? s.issues.length === 0 : s.issues.includes(label);
      const recall = mine.filter(hit).length / mine.length;
      // Precision: of the frames where this outcome was reported, the share that truly had it.
      const reported = samples.filter(hit);
      const precision = reported.length
        ? reported.filter((s) => s.label === label).length / reported.length
        : 1;
      return { label, n: mine.length, recall, precision };
    });
    console.log('\nlabel                n  recall  precision');
    for (const r of rows) {
      console.log(
        `${r.label.padEnd(20)} ${String(r.n).padStart(2)}  ${(r.recall * 100).toFixed(0).padStart(5)}%  ${(r.precision * 100).toFixed(0).padStart(8)}%`,
      );
    }
    const misses = samples.filter((s) =>
      s.label === 'clean' ? s.issues.length > 0 : !s.issues.includes(s.label as DocumentIssue),
    );
    for (const m of misses) console.log(`miss: ${m.label} → [${m.issues.join(', ')}]`);

    for (const r of rows) {
      assert.ok(r.recall >= (r.label === 'clean' ? 0.95 : 0.9), `${r.label}: recall ${r.recall}`);
    }
  });
});
