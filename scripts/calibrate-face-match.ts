/**
 * Calibrates the selfie-to-document face-match threshold on local fixtures and prints a markdown report
 * (the source of docs/face-match-calibration.md).
 *
 * Genuine pairs: the astronaut photo as the selfie against generated ID-card fronts carrying its portrait (card
 * widths, blur, exposure, JPEG quality, photographed on a desk), and against selfie scenes of itself (rotated,
 * shifted, scaled, blurred, dimmed). Impostor pairs: every face in @vladmandic/face-api's demo group photos against
 * the astronaut card's portrait, and against each other.
 *
 * Usage: node --import tsx scripts/calibrate-face-match.ts [--json out.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { analyzeFaces, type DetectedFace, faceDistance } from '../src/server/faces/face-analyzer.js';
import { FACE_MATCH_THRESHOLD, faceMatchScore } from '../src/server/faces/face-match.js';
import {
  ASTRONAUT_PATH,
  encodeJpeg,
  encodePng,
  idCardFront,
  loadImage,
  renderFaceScene,
  renderScene,
} from '../test/support/specimens/index.js';

interface Pair {
  kind: 'genuine' | 'impostor';
  name: string;
  distance: number;
}

const require = createRequire(import.meta.url);
const demoDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo');

async function largestFace(image: Buffer): Promise<DetectedFace | undefined> {
  return (await analyzeFaces(image)).faces[0];
}

async function genuineDocumentVariants(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const variants: Array<{ name: string; bytes: Buffer }> = [];
  for (const width of [640, 1012, 1600]) {
    variants.push({ name: `card ${width} px PNG`, bytes: encodePng(await idCardFront({ width })) });
  }
  const card = await idCardFront();
  const png = encodePng(card);
  for (const sigma of [1, 2, 3]) {
    variants.push({ name: `card blur σ ${sigma}`, bytes: await sharp(png).blur(sigma).png().toBuffer() });
  }
  for (const gain of [0.45, 1.5]) {
    variants.push({
      name: `card exposure ×${gain}`,
      bytes: await sharp(png).linear(gain, 0).png().toBuffer(),
    });
  }
  for (const quality of [30, 60, 90]) {
    variants.push({ name: `card JPEG q${quality}`, bytes: encodeJpeg(card, quality) });
  }
  for (const [i, opts] of [
    { scale: 0.75, rotationDeg: 4 },
    { scale: 0.6, rotationDeg: -8, tiltDeg: 10, blurSigma: 1 },
  ].entries()) {
    const { image } = renderScene(card, { width: 1280, height: 960, ...opts });
    variants.push({ name: `card photographed on a desk #${i + 1}`, bytes: encodeJpeg(image, 0.9) });
  }
  return variants;
}

async function genuineSelfieVariants(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const astronaut = await loadImage(ASTRONAUT_PATH);
  const scenes = [
    { name: 'rotated 10°', opts: { rotationDeg: 10 } },
    { name: 'rotated −20°', opts: { rotationDeg: -20 } },
    { name: 'shifted left, small', opts: { scale: 0.5, centerX: 0.35 } },
    { name: 'shifted right, up', opts: { scale: 0.7, centerX: 0.62, centerY: 0.42 } },
    { name: 'large, blurred σ 2', opts: { scale: 1.1, blurSigma: 2 } },
    { name: 'dim ×0.5', opts: { exposure: 0.5 } },
  ];
  return scenes.map(({ name, opts }) => ({
    name: `selfie scene ${name}`,
    bytes: encodeJpeg(renderFaceScene(astronaut, { width: 640, height: 480, ...opts }), 0.85),
  }));
}

function rate(pairs: Pair[], kind: Pair['kind'], threshold: number): { errors: number; total: number } {
  const ofKind = pairs.filter((p) => p.kind === kind);
  const errors = ofKind.filter((p) =>
    kind === 'genuine' ? p.distance > threshold : p.distance <= threshold,
  );
  return { errors: errors.length, total: ofKind.length };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

async function main(): Promise<void> {
  const started = performance.now();
  const selfie = await largestFace(readFileSync(ASTRONAUT_PATH));
  const reference = await largestFace(encodePng(await idCardFront()));
  if (!selfie || !reference) throw new Error('no face found in the astronaut fixtures');

  const pairs: Pair[] = [];
  const misses: string[] = [];
  for (const variant of [...(await genuineDocumentVariants()), ...(await genuineSelfieVariants())]) {
    const face = await largestFace(variant.bytes);
    if (!face) {
      misses.push(variant.name);
      continue;
    }
    pairs.push({
      kind: 'genuine',
      name: `astronaut vs ${variant.name}`,
      distance: faceDistance(selfie.descriptor, face.descriptor),
    });
  }

  const people: Array<{ name: string; descriptor: Float32Array }> = [];
  for (let i = 1; i <= 6; i++) {
    const { faces } = await analyzeFaces(readFileSync(join(demoDir, `sample${i}.jpg`)));
    faces.forEach((face, j) => {
      people.push({ name: `sample${i}#${j + 1}`, descriptor: face.descriptor });
    });
  }
  for (const person of people) {
    pairs.push({
      kind: 'impostor',
      name: `${person.name} vs astronaut card`,
      distance: faceDistance(person.descriptor, reference.descriptor),
    });
  }
  for (let a = 0; a < people.length; a++) {
    for (let b = a + 1; b < people.length; b++) {
      const [pa, pb] = [people[a]!, people[b]!];
      pairs.push({
        kind: 'impostor',
        name: `${pa.name} vs ${pb.name}`,
        distance: faceDistance(pa.descriptor, pb.descriptor),
      });
    }
  }

  const genuine = pairs.filter((p) => p.kind === 'genuine').map((p) => p.distance);
  const impostor = pairs.filter((p) => p.kind === 'impostor').map((p) => p.distance);
  const maxGenuine = Math.max(...genuine);
  const minImpostor = Math.min(...impostor);
  const lines: string[] = [];
  lines.push(
    `Genuine pairs: ${genuine.length} (detector missed: ${misses.length ? misses.join(', ') : 'none'})`,
  );
  lines.push(`Impostor pairs: ${impostor.length} (${people.length} demo faces)`);
  lines.push(`Genuine distance: min ${round(Math.min(...genuine))}, max ${round(maxGenuine)}`);
  lines.push(`Impostor distance: min ${round(minImpostor)}, max ${round(Math.max(...impostor))}`);
  lines.push(`Midpoint of the gap: ${round((maxGenuine + minImpostor) / 2)}`);
  lines.push('');
  lines.push('| threshold | false non-match (genuine > t) | false match (impostor ≤ t) |');
  lines.push('|---|---|---|');
  for (const t of [...new Set([0.4, FACE_MATCH_THRESHOLD, 0.45, 0.5, 0.55, 0.6])].sort((a, b) => a - b)) {
    const fnm = rate(pairs, 'genuine', t);
    const fm = rate(pairs, 'impostor', t);
    lines.push(
      `| ${t}${t === FACE_MATCH_THRESHOLD ? ' (chosen)' : ''} | ${fnm.errors}/${fnm.total} | ${fm.errors}/${fm.total} |`,
    );
  }
  lines.push('');
  lines.push('| pair | kind | distance | faceMatchScore |');
  lines.push('|---|---|---|---|');
  const closestImpostors = pairs
    .filter((p) => p.kind === 'impostor')
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 8);
  for (const p of [...pairs.filter((q) => q.kind === 'genuine'), ...closestImpostors]) {
    lines.push(`| ${p.name} | ${p.kind} | ${round(p.distance)} | ${faceMatchScore(p.distance)} |`);
  }
  const versus = pairs.filter((p) => p.name.endsWith('vs astronaut card')).map((p) => p.distance);
  lines.push('');
  lines.push(
    `Demo faces vs astronaut card: min ${round(Math.min(...versus))}, max ${round(Math.max(...versus))}`,
  );
  lines.push(`Run time: ${Math.round((performance.now() - started) / 1000)} s`);
  console.log(lines.join('\n'));

  const jsonAt = process.argv.indexOf('--json');
  if (jsonAt > 0 && process.argv[jsonAt + 1]) {
    writeFileSync(
      process.argv[jsonAt + 1] as string,
      JSON.stringify({ threshold: FACE_MATCH_THRESHOLD, pairs }, null, 2),
    );
  }
}

await main();
