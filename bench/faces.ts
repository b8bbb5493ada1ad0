/**
 * Server-side face analysis (face-api on tfjs wasm, in this process): one-time model load, per-image analysis
 * (decode + detection + landmarks + descriptors), the same with human's 468-point mesh, one selfie-to-document
 * face match (two analyses), and RSS. Run alone: `node --import tsx bench/faces.ts`.
 * Rows carry the 1-minute load average: the machine is shared, so absolute times move with it.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  analyzeFaces,
  faceAnalyzerLoadMs,
  liveTensorCount,
  loadFaceAnalyzer,
  loadFaceMesh,
} from '../src/server/faces/face-analyzer.js';
import { compareSelfieWithDocument } from '../src/server/faces/face-match.js';
import { ASTRONAUT_PATH, encodePng, idCardFront } from '../test/support/specimens/index.js';
import { timed } from './timing.js';

type Row = Record<string, string | number>;

const ITERATIONS = Number(process.env.IDV_BENCH_FACE_ITERATIONS) || 5;
const GROUP_PHOTO = new URL('../node_modules/@vladmandic/face-api/demo/sample1.jpg', import.meta.url);

const mb = (bytes: number) => +(bytes / 2 ** 20).toFixed(1);

export async function benchFaces(): Promise<{ rows: Row[] }> {
  const rows: Row[] = [];
  const rssBefore = process.memoryUsage().rss;
  const loadAvgAtLoad = +loadavg()[0]!.toFixed(1);
  await loadFaceAnalyzer();
  rows.push({
    case: 'model load (wasm backend, SSD MobileNet + 68 landmarks + recognition)',
    medianMs: +(faceAnalyzerLoadMs() ?? 0).toFixed(1),
    p95Ms: '',
    faces: '',
    rssMB: mb(process.memoryUsage().rss),
    rssDeltaMB: mb(process.memoryUsage().rss - rssBefore),
    loadAvg1m: loadAvgAtLoad,
  });

  const selfie = readFileSync(ASTRONAUT_PATH);
  const card = encodePng(await idCardFront());
  const group = readFileSync(GROUP_PHOTO);
  const images: Array<[string, Buffer]> = [
    ['analyse: selfie 512×512 PNG, 1 face', selfie],
    ['analyse: ID front 1012×638 PNG, 1 face', card],
    ['analyse: group photo 1920×1280 JPEG (→1280), 3 faces', group],
  ];
  for (const [name, bytes] of images) {
    const loadAvg1m = +loadavg()[0]!.toFixed(1);
    const faces = (await analyzeFaces(bytes)).faces.length; // also a warm-up run
    const t = await timed(() => analyzeFaces(bytes), ITERATIONS);
    rows.push({
      case: name,
      medianMs: t.median,
      p95Ms: t.p95,
      faces,
      rssMB: mb(process.memoryUsage().rss),
      rssDeltaMB: '',
      loadAvg1m,
    });
  }

  const rssBeforeMesh = process.memoryUsage().rss;
  const meshLoadStarted = performance.now();
  await loadFaceMesh();
  rows.push({
    case: 'mesh model load (@vladmandic/human: blazeface + facemesh)',
    medianMs: +(performance.now() - meshLoadStarted).toFixed(1),
    p95Ms: '',
    faces: '',
    rssMB: mb(process.memoryUsage().rss),
    rssDeltaMB: mb(process.memoryUsage().rss - rssBeforeMesh),
    loadAvg1m: +loadavg()[0]!.toFixed(1),
  });
  for (const [name, bytes] of [images[0]!, images[2]!]) {
    const loadAvg1m = +loadavg()[0]!.toFixed(1);
    const faces = (await analyzeFaces(bytes, { mesh: true })).faces.length;
    const t = await timed(() => analyzeFaces(bytes, { mesh: true }), ITERATIONS);
    rows.push({
      case: `${name} + 468-point mesh`,
      medianMs: t.median,
      p95Ms: t.p95,
      faces,
      rssMB: mb(process.memoryUsage().rss),
      rssDeltaMB: '',
      loadAvg1m,
    });
  }

  const loadAvg1m = +loadavg()[0]!.toFixed(1);
  const tensorsBefore = await liveTensorCount();
  const t = await timed(() => compareSelfieWithDocument(selfie, card), ITERATIONS);
  rows.push({
    case: 'face match: selfie vs ID front (2 analyses)',
    medianMs: t.median,
    p95Ms: t.p95,
    faces: '',
    rssMB: mb(process.memoryUsage().rss),
    rssDeltaMB: mb(process.memoryUsage().rss - rssBefore),
    loadAvg1m,
  });
  if ((await liveTensorCount()) !== tensorsBefore) {
    throw Object.assign(new Error('face analysis leaked tensors'), { code: 'TENSOR_LEAK' });
  }
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table((await benchFaces()).rows);
}
