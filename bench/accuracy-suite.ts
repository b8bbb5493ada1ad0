/**
 * Browser side of the accuracy suite (no Node APIs): runs the on-device checks on every image of the labelled set
 * (scripts/make-accuracy-set.ts) and tallies recall and precision per label. Used by test/browser/accuracy.test.ts,
 * which asserts the targets, and by bench/accuracy.ts, which puts the same table in the bench report.
 *
 * Documents: `assessDocumentFrame` on the PNG's pixels. Faces: MediaPipe FaceLandmarker (IMAGE mode, so unrelated
 * images are not tracked from one to the next) from our own assets → `assessFaceFrame`. Barcodes: the quad
 * `assessDocumentFrame` finds → `BarcodeReader` (zxing, wasm from our assets).
 */
import {
  assessDocumentFrame,
  assessFaceFrame,
  type DocumentIssue,
  type FaceIssue,
} from '../src/analysis/index.js';
import { assetUrl, mediapipeWasmBase } from '../src/capture/asset-manifest.js';
import { BarcodeReader } from '../src/capture/barcode.js';
import { landmarkerObservations } from '../src/capture/face-runtime.js';
import type { AccuracyLabels } from '../scripts/make-accuracy-set.js';
import { DOCUMENT_TARGETS, type DocumentTally, tallyDocuments } from './document-tally.js';

export type { AccuracyLabels };

/**
 * Targets: clean images accepted ≥ 95 % (documents: ≥ 97 %, DOCUMENT_TARGETS), each labelled defect caught ≥ 90 %
 * (documents: refused ≥ 90 % and with its own reason ≥ 85 %).
 */
export const CLEAN_TARGET = 0.95;
export const DEFECT_TARGET = 0.9;

export interface AccuracyRow {
  check: 'document' | 'face' | 'barcode';
  /** `clean` (nothing to report), a reason code, or `decoded` for barcodes that must read. */
  label: string;
  n: number;
  /** Clean: accepted with no issue. Defect: its reason code was reported. Barcode `decoded`: decoded to the payload. */
  hits: number;
  recall: number;
  /** Of the images where this outcome was reported, the share that truly had it (1 when never reported). */
  precision: number;
  target: number;
}

export interface AccuracyMiss {
  check: AccuracyRow['check'];
  file: string;
  label: string;
  reported: string[];
}

export interface AccuracyReport {
  rows: AccuracyRow[];
  misses: AccuracyMiss[];
  ms: { documents: number; faces: number; barcodes: number };
  /** The document part scored against DOCUMENT_TARGETS, with its confusion table. */
  documents?: DocumentTally;
}

export interface AccuracyOptions {
  /** URL of the generated set (default `/test/fixtures/generated/accuracy`). */
  base?: string;
  /** Where wasm and models are served (default `/dist/assets`). */
  assetBase?: string;
  /** Only some parts (default all three). */
  parts?: Array<AccuracyRow['check']>;
}

interface Outcome {
  file: string;
  label: string;
  reported: string[];
}

async function pixelsOf(url: string): Promise<ImageData> {
  const res = await fetch(url);
  if (!res.ok) {
    throw Object.assign(new Error(`${url}: HTTP ${res.status} (run: npx tsx scripts/make-accuracy-set.ts)`), {
      code: 'ACCURACY_SET_MISSING' as const,
    });
  }
  const bitmap = await createImageBitmap(await res.blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

/** Per-label recall / precision. `hit(o, label)`: did outcome `o` report `label`? */
function tally(
  check: AccuracyRow['check'],
  outcomes: Outcome[],
  hit: (o: Outcome, label: string) => boolean,
): { rows: AccuracyRow[]; misses: AccuracyMiss[] } {
  const labels = [...new Set(outcomes.map((o) => o.label))];
  const rows = labels.map((label) => {
    const mine = outcomes.filter((o) => o.label === label);
    const hits = mine.filter((o) => hit(o, label)).length;
    const reported = outcomes.filter((o) => hit(o, label));
    return {
      check,
      label,
      n: mine.length,
      hits,
      recall: hits / mine.length,
      precision: reported.length ? reported.filter((o) => o.label === label).length / reported.length : 1,
      target: label === 'clean' || label === 'decoded' ? CLEAN_TARGET : DEFECT_TARGET,
    };
  });
  const misses = outcomes
    .filter((o) => !hit(o, o.label))
    .map((o) => ({ check, file: o.file, label: o.label, reported: o.reported }));
  return { rows, misses };
}

const isClean = (o: Outcome, label: string) =>
  label === 'clean' ? o.reported.length === 0 : o.reported.includes(label);

/** Runs the suite in the current page; resolves with the table. */
export async function runAccuracySuite(options: AccuracyOptions = {}): Promise<AccuracyReport> {
  const base = (options.base ?? '/test/fixtures/generated/accuracy').replace(/\/+$/, '');
  const assetBase = options.assetBase ?? '/dist/assets';
  const parts = options.parts ?? ['document', 'face', 'barcode'];
  const res = await fetch(`${base}/labels.json`);
  if (!res.ok) {
    throw Object.assign(
      new Error(`${base}/labels.json missing (run: npx tsx scripts/make-accuracy-set.ts)`),
      {
        code: 'ACCURACY_SET_MISSING' as const,
      },
    );
  }
  const labels = (await res.json()) as AccuracyLabels;
  const rows: AccuracyRow[] = [];
  const misses: AccuracyMiss[] = [];
  const ms = { documents: 0, faces: 0, barcodes: 0 };
  let documents: DocumentTally | undefined;
  const add = (t: { rows: AccuracyRow[]; misses: AccuracyMiss[] }) => {
    rows.push(...t.rows);
    misses.push(...t.misses);
  };

  if (parts.includes('document')) {
    const t0 = performance.now();
    const outcomes: Outcome[] = [];
    for (const s of labels.documents) {
      const frame = await pixelsOf(`${base}/${s.file}`);
      const a = assessDocumentFrame(frame, { kind: s.kind, side: s.side });
      outcomes.push({ file: s.file, label: s.label, reported: a.issues satisfies DocumentIssue[] });
    }
    ms.documents = performance.now() - t0;
    documents = tallyDocuments(outcomes);
    for (const r of documents.rows) {
      const clean = r.label === 'clean';
      rows.push({
        check: 'document',
        label: r.label,
        n: r.n,
        hits: clean ? r.caught : r.reason,
        recall: (clean ? r.caught : r.reason) / r.n,
        precision: r.precision,
        target: clean ? DOCUMENT_TARGETS.clean : DOCUMENT_TARGETS.reason,
      });
    }
    misses.push(...documents.misses.map((m) => ({ check: 'document' as const, ...m })));
  }

  if (parts.includes('face')) {
    const t0 = performance.now();
    const vision = await import('@mediapipe/tasks-vision');
    const fileset = await vision.FilesetResolver.forVisionTasks(mediapipeWasmBase(assetBase));
    const landmarker = await vision.FaceLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: assetUrl(assetBase, 'faceLandmarkerModel'), delegate: 'CPU' },
      runningMode: 'IMAGE',
      // The pure checks on every labelled image at once (IMAGE mode, two faces are enough to tell one from several).
      // The live path tracks one face and finds others with a periodic FaceDetector search; it is measured on the
      // same labelled set by test/browser/capture/face-tracking.test.ts.
      numFaces: 2,
      outputFacialTransformationMatrixes: true,
      outputFaceBlendshapes: false,
    });
    const outcomes: Outcome[] = [];
    try {
      for (const s of labels.faces) {
        const frame = await pixelsOf(`${base}/${s.file}`);
        const faces = landmarkerObservations(landmarker.detect(frame), frame);
        const a = assessFaceFrame(frame, faces, { profile: 'phone' });
        outcomes.push({ file: s.file, label: s.label, reported: a.issues satisfies FaceIssue[] });
      }
    } finally {
      landmarker.close();
    }
    ms.faces = performance.now() - t0;
    add(tally('face', outcomes, isClean));
  }

  if (parts.includes('barcode')) {
    const t0 = performance.now();
    const reader = new BarcodeReader({ assetBase });
    const outcomes: Outcome[] = [];
    for (const s of labels.barcodes) {
      const frame = await pixelsOf(`${base}/${s.file}`);
      const a = assessDocumentFrame(frame, { kind: 'id1', side: 'back' });
      let reported: string[] = ['NO_DOCUMENT'];
      if (a.quad) {
        const canvas = new OffscreenCanvas(frame.width, frame.height);
        canvas.getContext('2d')!.putImageData(frame, 0, 0);
        const read = await reader.readCard(canvas, a.quad);
        reported =
          read.status === 'decoded' && read.text === s.payload ? ['decoded'] : ['BARCODE_UNREADABLE'];
      }
      outcomes.push({ file: s.file, label: s.label, reported });
    }
    ms.barcodes = performance.now() - t0;
    add(tally('barcode', outcomes, (o, label) => o.reported.includes(label)));
  }
  return { rows, misses, ms, documents };
}

/** The table as markdown-ready rows for the bench report. */
export function accuracyTableRows(report: AccuracyReport): Array<Record<string, string | number>> {
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return report.rows.map((r) => ({
    check: r.check,
    label: r.label,
    n: r.n,
    'caught / accepted': `${r.hits}/${r.n}`,
    recall: pct(r.recall),
    precision: pct(r.precision),
    target: `≥ ${pct(r.target)}`,
    met: r.recall >= r.target ? 'yes' : 'NO',
  }));
}
