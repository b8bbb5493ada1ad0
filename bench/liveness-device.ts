/**
 * Liveness guidance on the device, in headless Chromium: what one analysed frame costs (the frame scaled to the
 * analysis width, MediaPipe face landmarks in the worker, `measureFace` and the tracker) while a scripted person
 * runs through a challenge, median and p95, plus the challenge's wall time and the frames it uploaded. The real
 * `LivenessCapture` runs against a scripted camera that shows the generated astronaut poses
 * (scripts/make-liveness-fixtures.ts) following the guidance; the transport is an in-page stand-in that records the
 * uploads and answers DONE, so no server is involved.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeLivenessFixtures } from '../scripts/make-liveness-fixtures.js';
import { guardRequests, launchChromium } from '../test/support/browser.js';
import { bundleForBrowser, startBenchServer } from './capture.js';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 3;
/** A challenge with every action the fixtures show convincingly on MediaPipe. */
const ACTIONS = ['turn-left', 'look-up', 'move-closer'] as const;

type Row = Record<string, string | number>;

interface RunResult {
  frameMs: number[];
  wallMs: number;
  framesSent: number;
  bytes: number[];
  outcome: string;
}

const ENTRY = `
import { AnalysisClient } from './src/capture/analysis-client.ts';
import { CameraController } from './src/capture/camera-controller.ts';
import { LivenessCapture } from './src/capture/liveness-capture.ts';
import { installScriptedCamera, loadImageBitmap } from './test/support/scripted-camera.ts';

const LEVELS = [0, 25, 50, 75, 100];

async function run(workerUrl, actions) {
  const files = new Map();
  for (const pose of actions) for (const p of LEVELS) {
    const file = p === 0 ? 'astronaut-neutral.jpg' : 'astronaut-' + pose + (p === 100 ? '' : '-' + p) + '.jpg';
    if (!files.has(file)) files.set(file, await loadImageBitmap('/test/fixtures/generated/liveness/' + file));
  }
  // The scripted person: one pose step every 150 ms towards what the guidance asks.
  let asked;
  let action;
  let level = 0;
  let last = 0;
  const camera = installScriptedCamera({
    width: 1280,
    height: 960,
    fps: 20,
    draw(ctx, frame, timeMs) {
      if (timeMs - last >= 150) {
        last = timeMs;
        if (asked === action) { if (asked && level < 4) level++; }
        else if (level > 0) level--;
        else action = asked;
      }
      const file = !action || level === 0 ? 'astronaut-neutral.jpg' : 'astronaut-' + action + (LEVELS[level] === 100 ? '' : '-' + LEVELS[level]) + '.jpg';
      ctx.drawImage(files.get(file), 0, 0, 1280, 960);
      ctx.fillStyle = 'rgb(' + (frame % 255) + ',0,0)';
      ctx.fillRect(frame % 1280, 0, 2, 2);
    },
  });
  const client = new AnalysisClient({
    assetBase: '/dist/assets',
    createWorker: () => new Worker(workerUrl, { type: 'module', name: 'idv-analysis' }),
  });
  await client.preloadFaces();
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  const host = { addController() {}, requestUpdate() {} };
  const controller = new CameraController(host);
  await controller.start(video, { purpose: 'selfie' });
  const bytes = [];
  const frameMs = [];
  const transport = {
    async uploadLivenessFrame(link, blob) { bytes.push(blob.size); return {}; },
    async completeLiveness() { return { status: 'DONE', attemptsLeft: 4 }; },
  };
  const now = new Date();
  const capture = new LivenessCapture({
    video,
    analysis: client,
    transport,
    challenge: {
      id: 'bench', mode: 'passive_active', nonce: 'bench-nonce', actions,
      issuedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 180000).toISOString(), attemptsLeft: 5,
      links: { frames: location.origin + '/frames', complete: location.origin + '/complete' },
    },
    onGuidance: (g) => { asked = g.phase === 'action' ? g.action : undefined; },
    onFrameTimed: (ms) => frameMs.push(ms),
  });
  const t0 = performance.now();
  const result = await capture.run();
  const wallMs = performance.now() - t0;
  controller.stop();
  camera.uninstall();
  client.dispose();
  return { frameMs, wallMs, framesSent: bytes.length, bytes, outcome: result.outcome === 'answered' ? result.liveness.status : result.outcome };
}
globalThis.idvLivenessBench = { run };
`;
const WORKER_ENTRY = `import './src/capture/analysis.worker.ts';`;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs: number[]) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;
const round = (x: number) => Math.round(x * 10) / 10;

export async function benchLivenessDevice(): Promise<{ rows: Row[] }> {
  if (!existsSync(join(ROOT, 'dist/assets/manifest.json')))
    throw Object.assign(new Error('dist/assets missing: run npm run build:assets'), {
      code: 'BENCH_INPUT_MISSING',
    });
  await makeLivenessFixtures();
  const files = await bundleForBrowser({ liveness: ENTRY, worker: WORKER_ENTRY });
  const server = await startBenchServer(files);
  const browser = await launchChromium({ fakeCamera: false });
  const runs: RunResult[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext();
      try {
        const guard = await guardRequests(context);
        // tsx compiles this file with keepNames, which wraps functions in `__name(…)`; page.evaluate needs the helper.
        await context.addInitScript('globalThis.__name ??= (fn) => fn;');
        const page = await context.newPage();
        await page.goto(`${server.origin}/`);
        await page.addScriptTag({ type: 'module', url: '/bench-build/liveness.js' });
        await page.waitForFunction(() => 'idvLivenessBench' in globalThis);
        runs.push(
          await page.evaluate(
            ([workerUrl, actions]) =>
              (
                globalThis as unknown as {
                  idvLivenessBench: { run: (w: string, a: readonly string[]) => Promise<RunResult> };
                }
              ).idvLivenessBench.run(workerUrl, actions),
            ['/bench-build/worker.js', ACTIONS] as const,
          ),
        );
        if (guard.thirdParty.length > 0)
          throw new Error(`third-party requests: ${guard.thirdParty.join(', ')}`);
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  // The first frames of each run warm up the JIT and the landmarker's graph: left out of the per-frame numbers.
  const frames = runs.flatMap((r) => r.frameMs.slice(3));
  const bytes = runs.flatMap((r) => r.bytes);
  return {
    rows: [
      {
        measure: 'analysed frame: scale + face landmarks (worker) + tracker',
        median: round(median(frames)),
        p95: round(p95(frames)),
        unit: 'ms',
        note: `${frames.length} frames, ${RUNS} runs, 1280×960 camera, 640 px analysis`,
      },
      {
        measure: `challenge wall time (${ACTIONS.join(', ')})`,
        median: Math.round(median(runs.map((r) => r.wallMs))),
        p95: Math.round(p95(runs.map((r) => r.wallMs))),
        unit: 'ms',
        note: `outcomes: ${runs.map((r) => r.outcome).join(', ')}; scripted person moves one pose step per 150 ms`,
      },
      {
        measure: 'frames uploaded per challenge',
        median: median(runs.map((r) => r.framesSent)),
        p95: p95(runs.map((r) => r.framesSent)),
        unit: 'frames',
        note: 'neutral + peak per action + neutral after each',
      },
      {
        measure: 'uploaded frame size',
        median: round(median(bytes) / 1024),
        p95: round(p95(bytes) / 1024),
        unit: 'KB',
        note: 'budget 80 KB',
      },
    ],
  };
}
