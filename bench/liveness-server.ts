/**
 * Liveness on the server: model load (face-api + human's mesh), verification of one honest 3-action challenge
 * (6 frames + the selfie, through `verifyLivenessSequence`, and through `POST …/complete` of an in-process app on
 * SQLite), a passive 3-frame burst, the pipeline's selfie binding (one face match of two analyses), and RSS.
 * Frames: scripts/make-liveness-fixtures.ts. Run alone: `node --import tsx bench/liveness-server.ts`.
 * Rows carry the 1-minute load average: the machine is shared, so absolute times move with it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pino from 'pino';
import {
  type LivenessPose,
  livenessFramePath,
  makeLivenessFixtures,
} from '../scripts/make-liveness-fixtures.js';
import { makeWidgetFixtures, WIDGET_FIXTURES_DIR } from '../scripts/make-widget-fixtures.js';
import { createApp } from '../src/server/app.js';
import { createClient } from '../src/server/auth/clients.js';
import { ManualClock } from '../src/server/clock.js';
import { loadConfig } from '../src/server/config.js';
import {
  analyzeFaces,
  faceAnalyzerLoadMs,
  loadFaceAnalyzer,
  loadFaceMesh,
} from '../src/server/faces/face-analyzer.js';
import { DEFAULT_LIVENESS_OPTIONS } from '../src/server/liveness/liveness-options.js';
import {
  type ChallengeToVerify,
  type SequenceFrame,
  verifyLivenessSequence,
} from '../src/server/liveness/verify-sequence.js';
import { livenessCapability } from '../src/server/pipeline/liveness.js';
import type { ExecutionInput } from '../src/server/pipeline/types.js';
import { LivenessChallengeResponse, LivenessCompleteResponse } from '../src/shared/api/index.js';
import { accountBody } from '../test/support/server.js';
import { timed } from './timing.js';

type Row = Record<string, string | number>;

const ITERATIONS = Number(process.env.IDV_BENCH_LIVENESS_ITERATIONS) || 3;
const mb = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);
const load1m = () => +(loadavg()[0] ?? 0).toFixed(1);

const frameBytes = (pose: LivenessPose) => readFileSync(livenessFramePath('astronaut', pose));

/** neutral, turn-left, back, look-up, back, move-closer: what the widget uploads for a 3-action challenge. */
const HONEST: Array<[LivenessPose, 'neutral' | 'peak', number]> = [
  ['neutral', 'neutral', 0],
  ['turn-left', 'peak', 0],
  ['sway-a', 'neutral', 1],
  ['look-up', 'peak', 1],
  ['sway-b', 'neutral', 2],
  ['move-closer', 'peak', 2],
];

function sequence(plan: Array<[LivenessPose, SequenceFrame['kind'], number]>): SequenceFrame[] {
  return plan.map(([pose, kind, step], index) => {
    const bytes = frameBytes(pose);
    return {
      index,
      kind,
      step,
      capturedAtMs: 600 * (index + 1),
      receivedAfterIssueMs: 600 * (index + 1) + 50,
      sha256: `${index}-${pose}`,
      read: async () => bytes,
    };
  });
}

/** The complete endpoint of a real in-process app: upload the 6 frames, then time only `complete`. */
async function completeThroughApp(selfie: Buffer): Promise<{ median: number; p95: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'idv-bench-liveness-'));
  const database = new SQLite(join(dir, 'bench.sqlite'));
  // biome-ignore lint/suspicious/noExplicitAny: the app migrates the schema itself
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const idv = await createApp({
    config: loadConfig({ IDV_DATA_DIR: dir, IDV_PUBLIC_URL: 'http://idv.bench' }),
    clock,
    db,
    logger: pino({ level: 'silent' }),
    liveness: {
      actions: ['turn-left', 'look-up', 'move-closer'],
      minActions: 3,
      maxActions: 3,
      randomInt: () => 0,
    },
  });
  try {
    const client = await createClient(idv.ctx.db, {
      name: 'bench',
      allowedOrigins: ['https://shop.example'],
      now: clock.now(),
    });
    const tokenResponse = await idv.app.request('/oauth2/token', {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const samples: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const created = (await (
        await idv.app.request('/api/v1/accounts', {
          method: 'POST',
          headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
          body: JSON.stringify(
            accountBody({ workflowDefinition: { key: 10013 }, liveness: { mode: 'passive_active' } }),
          ),
        })
      ).json()) as {
        sdk: { token: string };
        workflowExecution: { credentials: Array<{ category: string; api: { parts: { face?: string } } }> };
      };
      const auth = { authorization: `Bearer ${created.sdk.token}` };
      const facePart = created.workflowExecution.credentials.find((c) => c.category === 'SELFIE')?.api.parts
        .face;
      const selfieForm = new FormData();
      selfieForm.append('file', new Blob([new Uint8Array(selfie)], { type: 'image/png' }), 'selfie.png');
      await idv.app.request(new URL(facePart ?? '').pathname, {
        method: 'POST',
        headers: auth,
        body: selfieForm,
      });
      const { challenge } = LivenessChallengeResponse.parse(
        await (await idv.app.request('/api/v1/session/liveness', { method: 'POST', headers: auth })).json(),
      );
      for (const [index, [pose, kind, step]] of HONEST.entries()) {
        clock.advance(600);
        const form = new FormData();
        form.append(
          'file',
          new Blob([new Uint8Array(frameBytes(pose))], { type: 'image/jpeg' }),
          'frame.jpg',
        );
        form.append(
          'meta',
          JSON.stringify({
            nonce: challenge.nonce,
            index,
            kind,
            step,
            capturedAtMs: 600 * (index + 1) - 100,
          }),
        );
        await idv.app.request(new URL(challenge.links.frames).pathname, {
          method: 'POST',
          headers: auth,
          body: form,
        });
      }
      const started = performance.now();
      const response = await idv.app.request(new URL(challenge.links.complete).pathname, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ nonce: challenge.nonce }),
      });
      samples.push(performance.now() - started);
      const { liveness } = LivenessCompleteResponse.parse(await response.json());
      if (liveness.status !== 'DONE') {
        throw Object.assign(new Error(`honest sequence answered ${liveness.status}`), {
          code: 'BENCH_INVALID',
        });
      }
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
    return { median: +at(0.5).toFixed(1), p95: +at(0.95).toFixed(1) };
  } finally {
    await idv.close();
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchLivenessServer(): Promise<{ rows: Row[] }> {
  await Promise.all([makeLivenessFixtures(), makeWidgetFixtures()]);
  const selfie = readFileSync(join(WIDGET_FIXTURES_DIR, 'face-1280.png'));
  const rows: Row[] = [];
  const rssBefore = process.memoryUsage().rss;
  const loadAvg1m = load1m();
  const meshStarted = performance.now();
  await loadFaceAnalyzer();
  await loadFaceMesh();
  const loadMs = performance.now() - meshStarted;
  // In a full `npm run bench` the faces section has loaded the models in this process already.
  const loadedEarlier = loadMs < 5;
  rows.push({
    case: 'model load: face-api (detector, landmarks, descriptor) + human mesh',
    medianMs: loadedEarlier ? '' : +loadMs.toFixed(1),
    p95Ms: '',
    detail: loadedEarlier
      ? `loaded earlier in this process (faces section): face-api ${(faceAnalyzerLoadMs() ?? 0).toFixed(0)} ms`
      : `face-api alone ${(faceAnalyzerLoadMs() ?? 0).toFixed(0)} ms`,
    rssMB: mb(process.memoryUsage().rss),
    loadAvg1m,
  });

  const active: ChallengeToVerify = {
    mode: 'passive_active',
    actions: ['turn-left', 'look-up', 'move-closer'],
    burstFrames: 0,
  };
  const honest = sequence(HONEST);
  const verify = () => verifyLivenessSequence(active, honest, { options: DEFAULT_LIVENESS_OPTIONS, selfie });
  const warm = await verify();
  if (!warm.passed)
    throw Object.assign(new Error(`honest sequence: ${warm.label}`), { code: 'BENCH_INVALID' });
  const before = load1m();
  const t = await timed(verify, ITERATIONS);
  rows.push({
    case: 'verify honest 3-action challenge (6 frames + selfie, mesh)',
    medianMs: t.median,
    p95Ms: t.p95,
    detail: `${(t.median / 7).toFixed(0)} ms per image`,
    rssMB: mb(process.memoryUsage().rss),
    loadAvg1m: before,
  });

  const viaApp = await completeThroughApp(selfie);
  rows.push({
    case: 'POST …/complete, same challenge, in-process app on SQLite',
    medianMs: viaApp.median,
    p95Ms: viaApp.p95,
    detail: 'incl. blob reads and DB writes',
    rssMB: mb(process.memoryUsage().rss),
    loadAvg1m: load1m(),
  });

  const passive: ChallengeToVerify = { mode: 'passive', actions: [], burstFrames: 3 };
  const burst = sequence([
    ['neutral', 'burst', 0],
    ['sway-a', 'burst', 0],
    ['sway-b', 'burst', 0],
  ]);
  const burstLoad = load1m();
  const b = await timed(
    () => verifyLivenessSequence(passive, burst, { options: DEFAULT_LIVENESS_OPTIONS }),
    ITERATIONS,
  );
  rows.push({
    case: 'verify passive burst (3 frames, mesh)',
    medianMs: b.median,
    p95Ms: b.p95,
    detail: '',
    rssMB: mb(process.memoryUsage().rss),
    loadAvg1m: burstLoad,
  });

  const neutral = frameBytes('neutral');
  const input: ExecutionInput = {
    executionId: 'bench',
    definitionKey: 10013,
    credentials: [{ id: 'selfie', category: 'SELFIE', requiredClassifiers: ['FACE'] }],
    parts: [
      {
        credentialId: 'selfie',
        credentialCategory: 'SELFIE',
        classifier: 'FACE',
        mime: 'image/png',
        width: 1280,
        height: 720,
        read: async () => selfie,
      },
    ],
    liveness: {
      mode: 'passive_active',
      status: 'DONE',
      challenges: [{ id: 'c', passed: true, label: 'OK' }],
      referenceFrame: { mime: 'image/jpeg', read: async () => neutral },
    },
  };
  const matchLoad = load1m();
  const m = await timed(() => livenessCapability.run(input), ITERATIONS);
  rows.push({
    case: 'pipeline liveness capability: neutral frame vs selfie (1 face match, 2 analyses)',
    medianMs: m.median,
    p95Ms: m.p95,
    detail: '',
    rssMB: mb(process.memoryUsage().rss),
    loadAvg1m: matchLoad,
  });
  const single = await timed(() => analyzeFaces(neutral, { mesh: true }), ITERATIONS);
  rows.push({
    case: 'one frame: analyse 640×480 JPEG with mesh',
    medianMs: single.median,
    p95Ms: single.p95,
    detail: '',
    rssMB: mb(process.memoryUsage().rss),
    loadAvg1m: load1m(),
  });
  rows.push({
    case: 'RSS after the runs',
    medianMs: '',
    p95Ms: '',
    detail: `+${mb(process.memoryUsage().rss - rssBefore)} MB over the start`,
    rssMB: mb(process.memoryUsage().rss),
    loadAvg1m: load1m(),
  });
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table((await benchLivenessServer()).rows);
}
