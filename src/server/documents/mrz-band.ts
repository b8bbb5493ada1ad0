/**
 * Finding the machine-readable zone in a photo or scan: two or three long, parallel, equally wide lines of
 * evenly spaced characters (30, 36 or 44 of them, fillers included), and the grid of character cells on each.
 *
 * Scale-free by construction: the image is brought to a working size, characters are connected components,
 * lines are chains of them (`text-lines.ts`). Measured on the 20 real specimens (bench/extraction.ts): MRZ lines
 * are 24–45 character heights long, and printed text lines there reach 15–67, so length only drops short text
 * (`MIN_LINE_RATIO`). What tells an MRZ is its partner lines — same left and right ends within 3 character
 * heights, 1.3–3.4 heights apart (ICAO: 4.2–4.6 mm line pitch for 2–2.4 mm characters; our generator prints
 * 1.5) — and a cell grid that the components sit on (30 / 36 / 44 cells at one pitch). Bands are ranked by the
 * share of components on their grid; the reader then lets the check digits decide.
 */
import {
  binarizeAdaptive,
  connectedComponents,
  findTextLines,
  type Grey,
  heightOf,
  resizeGrey,
  type TextLine,
  widthOf,
} from './text-lines.js';

/** One MRZ line with its character grid, in pixels of the source image. */
export interface MrzBandLine {
  line: TextLine;
  /** Centre x of the first character cell. */
  start: number;
  /** Distance between character centres. */
  pitch: number;
}

export interface MrzBand {
  lines: MrzBandLine[];
  /** Characters per line (30, 36 or 44). */
  lineLength: number;
}

/** Working width of the detector: enough for 6-pixel characters on a whole page, cheap to label (≈ 20 ms). */
const WORK_SIZE = 1200;
/** Shortest MRZ line, in character heights (the shortest measured was 24; see the module comment). */
const MIN_LINE_RATIO = 18;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function scaleLine(line: TextLine, k: number): TextLine {
  return {
    components: line.components.map((c) => ({
      x0: c.x0 * k,
      y0: c.y0 * k,
      x1: c.x1 * k,
      y1: c.y1 * k,
      area: c.area * k * k,
    })),
    x0: line.x0 * k,
    x1: line.x1 * k,
    y0: line.y0 * k,
    y1: line.y1 * k,
    charHeight: line.charHeight * k,
    slope: line.slope,
    intercept: line.intercept * k,
  };
}

/** Pitch of a line from the spacing of its single-character components. */
function estimatePitch(line: TextLine): number {
  const singles = line.components.filter((c) => widthOf(c) <= 1.0 * line.charHeight);
  const diffs: number[] = [];
  for (let i = 1; i < singles.length; i++) {
    const a = singles[i - 1]!;
    const b = singles[i]!;
    diffs.push((b.x0 + b.x1) / 2 - (a.x0 + a.x1) / 2);
  }
  const p = median(diffs);
  // Merged neighbours double a few spacings; the median of the rest is the pitch.
  const close = diffs.filter((d) => d < 1.5 * p && d > 0.5 * p);
  return close.length >= 5 ? median(close) : p;
}

/** How many cells a line of this pitch spans (its ink runs from the first glyph's left to the last's right). */
function cellsSpanned(line: TextLine, pitch: number): number {
  return (line.x1 - line.x0) / pitch + 0.3;
}

/**
 * The cell grid of `n` characters on a line of this pitch: the start (one of the first component centres) that
 * puts the most centres on cells, then a least-squares fit of start and pitch to the components on their cells.
 * With `preferredStart` (where the band's other lines start: MRZ lines are left-aligned) a stray mark before the
 * first character loses the tie.
 */
export function fitGrid(
  line: TextLine,
  n: number,
  pitchEstimate: number,
  preferredStart?: number,
): { start: number; pitch: number; matched: number } {
  const centres = line.components
    .filter((c) => widthOf(c) <= 1.0 * line.charHeight && heightOf(c) >= 0.3 * line.charHeight)
    .map((c) => (c.x0 + c.x1) / 2);
  let pitch = pitchEstimate;
  const matches = (start: number) => {
    let matched = 0;
    for (const cx of centres) {
      const i = Math.round((cx - start) / pitch);
      if (i >= 0 && i < n && Math.abs(cx - (start + i * pitch)) < 0.3 * pitch) matched++;
    }
    return matched;
  };
  // The first cell's centre lies within a pitch of the line's left end; a start is a centre of one of the first
  // components, or a whole number of pitches before it (the first character may be merged with its neighbour).
  const natural = line.x0 + 0.35 * pitch;
  const starts: number[] = [];
  for (const c of centres.slice(0, 8)) {
    for (let k = 0; k < 3; k++) {
      const start = c - k * pitch;
      if (start >= line.x0 - 0.2 * pitch && start <= line.x0 + pitch) starts.push(start);
    }
  }
  if (preferredStart !== undefined) starts.push(preferredStart);
  if (starts.length === 0) starts.push(natural);
  let best = { start: starts[0]!, matched: -1, score: -Infinity };
  for (const start of starts) {
    const matched = matches(start);
    const anchor = preferredStart ?? natural;
    // Ties go to the start nearest where the line (or the band's other lines) begin.
    const score = matched - (preferredStart === undefined ? 0.25 : 2) * (Math.abs(start - anchor) / pitch);
    if (score > best.score) best = { start, matched, score };
  }
  let start = best.start;
  for (let iteration = 0; iteration < 2; iteration++) {
    let s = 0;
    let si = 0;
    let sii = 0;
    let sx = 0;
    let six = 0;
    for (const cx of centres) {
      const i = Math.round((cx - start) / pitch);
      if (i < 0 || i >= n || Math.abs(cx - (start + i * pitch)) > 0.3 * pitch) continue;
      s++;
      si += i;
      sii += i * i;
      sx += cx;
      six += i * cx;
    }
    const den = s * sii - si * si;
    if (s < 6 || den <= 0) break;
    const fitted = (s * six - si * sx) / den;
    // A fit pulled far off the spacing estimate is a mismatched grid: keep the estimate.
    if (Math.abs(fitted - pitchEstimate) > 0.08 * pitchEstimate) break;
    pitch = fitted;
    start = (sx - pitch * si) / s;
  }
  return { start, pitch, matched: Math.max(0, best.matched) };
}

function similarLines(a: TextLine, b: TextLine): boolean {
  const h = Math.max(a.charHeight, b.charHeight);
  const ratio = a.charHeight / b.charHeight;
  if (ratio < 0.7 || ratio > 1.45) return false;
  if (Math.abs(a.x0 - b.x0) > 3 * h || Math.abs(a.x1 - b.x1) > 3 * h) return false;
  const mid = (a.x0 + a.x1) / 2;
  const gap = b.intercept + b.slope * mid - (a.intercept + a.slope * mid);
  return gap > 1.3 * h && gap < 3.4 * h && Math.abs(a.slope - b.slope) < 0.03;
}

/**
 * MRZ band candidates in a grey image, most plausible first (at most `limit`). Each has 2 or 3 lines, their
 * character count and their cell grids, in pixels of `image`.
 */
export function findMrzBands(image: Grey, limit = 3): MrzBand[] {
  const wanted = WORK_SIZE / Math.max(image.width, image.height);
  // Within 5 % of the working size the image is used as it is (and its coordinates are the work coordinates).
  const k = Math.abs(wanted - 1) < 0.05 ? 1 : wanted;
  const work =
    k === 1
      ? image
      : resizeGrey(
          image,
          Math.max(1, Math.round(image.width * k)),
          Math.max(1, Math.round(image.height * k)),
        );
  const window = Math.round(Math.max(15, Math.min(work.width, work.height) / 12)) | 1;
  const ink = binarizeAdaptive(work, window);
  const components = connectedComponents(ink, work.width, work.height);
  const lines = findTextLines(components, {
    minHeight: 5,
    maxHeight: work.height / 8,
    minComponents: 12,
  })
    .filter((l) => (l.x1 - l.x0) / l.charHeight >= MIN_LINE_RATIO)
    .sort(
      (a, b) => a.intercept + (a.slope * (a.x0 + a.x1)) / 2 - (b.intercept + (b.slope * (b.x0 + b.x1)) / 2),
    );

  const bands: Array<{ band: MrzBand; score: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      if (!similarLines(lines[i]!, lines[j]!)) continue;
      const group = [lines[i]!, lines[j]!];
      const third = lines.slice(j + 1).find((l) => similarLines(lines[j]!, l));
      // Two lines of a three-line zone are not a zone of their own.
      const before = lines.slice(0, i).some((l) => similarLines(l, lines[i]!));
      for (const members of third ? [[...group, third]] : before ? [] : [group]) {
        const band = bandOf(members.map((l) => scaleLine(l, 1 / k)));
        if (band) bands.push(band);
      }
    }
  }
  bands.sort((a, b) => b.score - a.score);
  return bands.slice(0, limit).map((b) => b.band);
}

/** The band's character count and grids, scored by how many components sit on their cells. */
function bandOf(lines: TextLine[]): { band: MrzBand; score: number } | undefined {
  const pitches = lines.map(estimatePitch);
  const spanned = median(lines.map((l, i) => cellsSpanned(l, pitches[i]!)));
  const lengths = lines.length === 3 ? [30] : [36, 44];
  const lineLength = lengths.reduce((a, b) => (Math.abs(b - spanned) < Math.abs(a - spanned) ? b : a));
  if (Math.abs(lineLength - spanned) > 0.2 * lineLength) return undefined;
  const pitch = median(pitches);
  let grids = lines.map((l) => fitGrid(l, lineLength, pitch));
  // Lines of an MRZ start at the same x: refit the others to the start of the best-matched line.
  const reference = grids.reduce((a, b) => (b.matched > a.matched ? b : a));
  grids = lines.map((l, i) =>
    Math.abs(grids[i]!.start - reference.start) > 0.5 * pitch
      ? fitGrid(l, lineLength, pitch, reference.start)
      : grids[i]!,
  );
  const matched = grids.reduce((s, g) => s + g.matched, 0);
  const score = matched / (lines.length * lineLength) + lines.length * 0.05;
  return {
    band: { lineLength, lines: lines.map((line, i) => ({ line, ...grids[i]! })) },
    score,
  };
}
