/**
 * Frame-analysis cost per 640×480 frame in Node (a proxy for the Chromium worker): document checks on a card,
 * on an empty scene (the common case before the card shows up, which also runs the half-resolution retry) and on
 * a blurred card; face checks on the astronaut frame. Target: ≤ 8 ms median per document frame.
 */
import { loadavg } from 'node:os';
import {
  assessDocumentFrame,
  assessFaceFrame,
  type FaceObservation,
  type FrameLike,
} from '../src/analysis/index.js';
import {
  ASTRONAUT_PATH,
  idCardFront,
  loadImage,
  renderFaceScene,
  renderScene,
} from '../test/support/specimens/index.js';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Wall-clock median and p95, plus mean CPU time (less disturbed when other processes share the cores). */
function time(run: () => void, iterations: number): { median: number; p95: number; cpu: number } {
  // Enough untimed runs for V8 to finish optimising: the target is the steady per-frame cost.
  for (let i = 0; i < 30; i++) run();
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  ms.sort((a, b) => a - b);
  return {
    median: percentile(ms, 0.5),
    p95: percentile(ms, 0.95),
    cpu: (cpu.user + cpu.system) / 1000 / iterations,
  };
}

function row(name: string, frame: FrameLike, t: { median: number; p95: number; cpu: number }) {
  return {
    case: name,
    size: `${frame.width}×${frame.height}`,
    medianMs: +t.median.toFixed(2),
    p95Ms: +t.p95.toFixed(2),
    cpuMeanMs: +t.cpu.toFixed(2),
    loadAvg1m: +loadavg()[0]!.toFixed(1),
  };
}

export async function benchAnalysis(): Promise<{ rows: Array<Record<string, string | number>> }> {
  const card = await idCardFront();
  const frames: Array<[string, FrameLike]> = [
    ['document: card on desk', renderScene(card, { seed: 1, rotationDeg: 6 }).image],
    ['document: card on wood, tilted', renderScene(card, { seed: 2, background: 'wood', tiltDeg: 15 }).image],
    [
      'document: no card (noise background)',
      renderScene(card, { seed: 3, background: 'noise', centerX: 10 }).image,
    ],
    ['document: blurred card', renderScene(card, { seed: 4, blurSigma: 3 }).image],
  ];
  const rows: Array<Record<string, string | number>> = [];
  for (const [name, frame] of frames) {
    rows.push(
      row(
        name,
        frame,
        time(() => assessDocumentFrame(frame), 60),
      ),
    );
  }
  const astronaut = await loadImage(ASTRONAUT_PATH);
  const faceFrame = renderFaceScene(astronaut, { scale: 1.6, centerX: 0.597, centerY: 1.046, seed: 1 });
  const landmarks = Array.from({ length: 478 }, (_, i) => ({
    x: 0.5 + (i % 20) / 100,
    y: 0.5 + i / 4780,
    z: 0,
  }));
  const faces: FaceObservation[] = [
    { box: { x: 210, y: 110, width: 220, height: 260 }, score: 0.95, landmarks },
  ];
  rows.push(
    row(
      'face: one face with 478 landmarks',
      faceFrame,
      time(() => assessFaceFrame(faceFrame, faces), 60),
    ),
  );
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows } = await benchAnalysis();
  console.table(rows);
}
