/**
 * Prints the face-match calibration as markdown tables (the source of docs/face-match-calibration.md): runs the
 * `faces-real` bench (real people from ../shared/realdata/faces, read at run time, never copied) and groups its rows
 * by table. The threshold itself is chosen by hand from these numbers and written down in
 * src/server/faces/face-match.ts (DEFAULT_FACE_MATCH_THRESHOLD) with the data it came from.
 *
 * Usage: node --import tsx scripts/calibrate-face-match.ts   (IDV_BENCH_HUMAN_MODELS=<dir> adds more models)
 */
import { benchFacesReal } from '../bench/faces-real.js';

type Row = Record<string, string | number>;

function table(rows: Row[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => c !== 'table');
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [
    line(cols),
    line(cols.map(() => '---')),
    ...rows.map((r) => line(cols.map((c) => r[c] ?? ''))),
  ].join('\n');
}

const { rows } = await benchFacesReal();
for (const name of [...new Set(rows.map((r) => String(r.table)))]) {
  console.log(`\n### ${name}\n\n${table(rows.filter((r) => r.table === name))}`);
}
