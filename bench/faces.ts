/**
 * Server-side face analysis in one thread (what each pool worker does): one-time model load, then one analysis per
 * kind of image (decode, BlazeFace to locate, then per face human's BlazeFace + mesh + iris + faceres descriptor +
 * antispoof + liveness on its region; BlazeFace on tiles only when the whole image shows no face), and RSS. Run alone: `node --import tsx bench/faces.ts`.
 * Rows carry the 1-minute load average: the machine is shared, so absolute times move with it.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import sharp from 'sharp';
import {
  analyzeFacesInThisThread,
  faceAnalyzerLoadMs,
  liveTensorCount,
  loadFaceAnalyzer,
} from '../src/server/faces/face-analyzer.js';
import {
  ASTRONAUT_PATH,
  encodeJpeg,
  encodePng,
  idCardFront,
  renderScene,
} from '../test/support/specimens/index.js';
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
    case: 'model load (wasm backend; human BlazeFace, mesh, iris, faceres, antispoof, liveness)',
    medianMs: +(faceAnalyzerLoadMs() ?? 0).toFixed(1),
    p95Ms: '',
    faces: '',
    detector: '',
    rssMB: mb(process.memoryUsage().rss),
    rssDeltaMB: mb(process.memoryUsage().rss - rssBefore),
    loadAvg1m: loadAvgAtLoad,
  });

  const selfie = readFileSync(ASTRONAUT_PATH);
  const card = await idCardFront();
  const { image: cardPhoto } = renderScene(card, {
    width: 1280,
    height: 960,
    scale: 0.3,
    rotationDeg: 3,
    seed: 5,
  });
  const tight = await sharp(selfie)
    .extract({ left: 170, top: 50, width: 120, height: 146 })
    .resize(92, 112)
    .png()
    .toBuffer();
  const images: Array<[string, Buffer]> = [
    ['selfie 512×512 PNG, 1 face', selfie],
    ['ID front 1012×638 PNG (rectified card)', encodePng(card)],
    ['ID card photographed small (1280×960 JPEG, portrait ≈ 140 px)', encodeJpeg(cardPhoto, 0.85)],
    ['tight crop 92×112 (ID photo cut to the head)', tight],
    ['group photo 1920×1280 JPEG (→1280), 3 faces', readFileSync(GROUP_PHOTO)],
  ];
  for (const [name, bytes] of images) {
    const loadAvg1m = +loadavg()[0]!.toFixed(1);
    const warm = await analyzeFacesInThisThread(bytes); // also a warm-up run
    const t = await timed(() => analyzeFacesInThisThread(bytes), ITERATIONS);
    rows.push({
      case: `analyse: ${name}`,
      medianMs: t.median,
      p95Ms: t.p95,
      faces: warm.faces.length,
      detector: warm.faces[0]?.detector ?? 'none',
      rssMB: mb(process.memoryUsage().rss),
      rssDeltaMB: '',
      loadAvg1m,
    });
  }
  const tensors = await liveTensorCount();
  await analyzeFacesInThisThread(selfie);
  if ((await liveTensorCount()) !== tensors) {
    throw Object.assign(new Error('face analysis leaked tensors'), { code: 'TENSOR_LEAK' });
  }
  return { rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table((await benchFaces()).rows);
}
