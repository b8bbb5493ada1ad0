/**
 * Reads the machine-readable zone of a passport, identity card or visa from an image: TD1 (3 × 30), TD2 (2 × 36),
 * TD3 (2 × 44), MRV-A / MRV-B visas and the French national identity card (2 × 36).
 *
 * 1. Find the band (`mrz-band.ts`): 2–3 long parallel lines of evenly spaced characters, and each line's cell
 *    grid (the MRZ is monospaced and every position is printed, fillers included, so cell i is where character i
 *    is). Works on a rectified card as on a whole photo or scan.
 * 2. Resample each line level and at a fixed character height; stack the lines and OCR them with tesseract
 *    (whitelist `A–Z 0–9 <`); map each recognized symbol to its cell by position.
 * 3. Fillers by shape, not by OCR: tesseract's English model reads runs of `<` as `K`, `L`, `C`, `<K<K`…, which
 *    also shifts every later character. The chevron is told apart by its ink: a short tip on the centre line on
 *    the left, two arms spanning most of the height on the right (`fillerCells`).
 * 4. Per position class (digit, letter, either, check digit, sex) the OCR character is coerced (O → 0 in a date,
 *    0 → O in a name). A field whose check digit fails is repaired (`repair`): look-alike letters of a number
 *    read as digits after its first one or two characters, else the cheapest one look-alike substitution (two
 *    below 70 % confidence). Check digits are public arithmetic, not a security feature: repair serves OCR, and
 *    each substitution tried is a 1-in-10 chance of a wrong repair, so they stay few.
 * 5. Parse with the `mrz` package (visas, which it does not know, by the same layout here).
 * Orientation: upright MRZ lines end in fillers, so the filler cells say which way the band is; a band whose
 * fillers do not tell is read both ways (upside-down passports exist).
 *
 * Measured (bench/extraction.ts): on the 20 real specimens, 16 read with every check digit valid, PassportEye
 * 10 of its 17; the other 4 carry check digits that fail in print (ESP birth date, USA green card number, CMW
 * composite, an Austrian specimen missing a digit). Upright, upside down and photographed generated documents:
 * every line right. 0.5–1.3 s per image on the shared 2-core machine (load 3–5), the most when nothing validates.
 *
 * The text read is the holder's personal data: nothing here logs it.
 */
import { parse as parseMrzLines } from 'mrz';
import { type MrzBand, findMrzBands } from './mrz-band.js';
import { checkHolds, type MrzCheckName, type MrzFormat, type MrzLayout, layoutsFor } from './mrz-layout.js';
import { birthDateFromMrz, expiryDateFromMrz } from './normalize.js';
import { OcrError, recognizeText } from './ocr.js';
import {
  type Grey,
  otsuThreshold,
  type RgbaFrame,
  rotateGrey180,
  sampleStrip,
  toGrey,
} from './text-lines.js';

export type { MrzFormat } from './mrz-layout.js';

export type MrzChecks = Record<MrzCheckName, boolean | null>;

export interface MrzFields {
  /** `P`, `PO`, `I`, `ID`, `A`, `C`, `V`… */
  documentCode: string;
  issuingState: string;
  lastName: string;
  firstName: string;
  documentNumber: string;
  nationality?: string;
  /** YYYY-MM-DD; a day or month printed as fillers (unknown) leaves it out. */
  dateOfBirth?: string;
  sex: 'M' | 'F' | 'X';
  /** YYYY-MM-DD; absent on formats without one (French national ID). */
  expiryDate?: string;
  personalNumber?: string;
  /** Optional data fields, fillers removed. */
  optional?: string;
}

export interface MrzReading {
  /**
   * `READ`: a band was found and every character read (`valid` then says whether every check digit holds);
   * `UNREADABLE`: a band was found but characters could not be read; `NOT_FOUND`: no MRZ band in the image.
   */
  status: 'READ' | 'NOT_FOUND' | 'UNREADABLE';
  format?: MrzFormat;
  lines?: string[];
  /** Every check digit holds and the dates are real dates. */
  valid: boolean;
  /** Each check digit of the format; `null` where the format has none. */
  checks: MrzChecks;
  fields?: MrzFields;
  /** What the `mrz` package flagged beyond the check digits (an unknown state code…), by field name. */
  fieldIssues?: string[];
  /** Rotation applied to the image to read it. */
  rotation: 0 | 180;
  ms: number;
  /** Set when OCR failed or ran out of time. */
  error?: 'OCR_TIMEOUT' | 'OCR_FAILED';
}

export interface ReadMrzOptions {
  /** Formats to accept (default all). */
  formats?: MrzFormat[];
  /** Bound on the whole read (default 6000 ms). */
  timeoutMs?: number;
}

/** Character height (px) the lines are resampled to for tesseract: its LSTM reads best at 30–40 px capitals. */
const OCR_CHAR_HEIGHT = 36;
const MRZ_WHITELIST = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<';
const DEFAULT_TIMEOUT_MS = 6000;
const MIN_SIDE = 32;

const NO_CHECKS: MrzChecks = {
  documentNumber: null,
  dateOfBirth: null,
  expiryDate: null,
  personalNumber: null,
  composite: null,
};

/** What OCR saw in one cell. */
interface Cell {
  char: string;
  /** 0–100. */
  confidence: number;
  /** The cell's ink has the shape of a filler. */
  filler: boolean;
}

const TO_DIGIT: Record<string, string> = {
  O: '0',
  D: '0',
  Q: '0',
  U: '0',
  I: '1',
  L: '1',
  T: '1',
  J: '1',
  Z: '2',
  A: '4',
  S: '5',
  G: '6',
  B: '8',
};
const TO_LETTER: Record<string, string> = {
  '0': 'O',
  '1': 'I',
  '2': 'Z',
  '4': 'A',
  '5': 'S',
  '6': 'G',
  '8': 'B',
};
/** Pairs OCR confuses in MRZ fonts, both ways. */
const CONFUSABLE: Record<string, string> = {
  '0': 'ODQ8689',
  '1': 'IL7T4',
  '2': 'Z7',
  '3': '89',
  '4': 'A1',
  '5': 'S6',
  '6': 'G508',
  '7': '1T2',
  '8': 'B0369',
  '9': '08',
  O: '0DQ',
  D: '0O',
  Q: '0O',
  I: '1L',
  L: '1I',
  Z: '2',
  S: '5',
  G: '6',
  B: '8',
  A: '4',
  T: '17',
  K: '<',
  C: '<',
  E: '<',
  '<': 'KLCE',
};

/**
 * Look-alikes worth trying even for a character read with high confidence (see `repairCheck`): a letter that
 * OCR confidently read in a number (O, D, Q for 0…), and a filler it confidently calls K, L, C or E. Never a
 * sure digit turned into a letter: on the MRZ sets with deliberately wrong check digits that is what made
 * wrong "repairs" hold (000590240 → OOD590240 balances a wrong check digit).
 */
const SURE_DOUBTS: Record<string, string> = {
  O: '0',
  D: '0',
  Q: '0',
  I: '1',
  T: '1',
  Z: '2',
  S: '5',
  G: '6',
  B: '8',
  A: '4',
  K: '<',
  L: '<',
  C: '<',
  E: '<',
};

/** The character a position of class `cls` can hold closest to what OCR read. */
function coerce(char: string, cls: string): string {
  if (cls === 'N') return TO_DIGIT[char] ?? (/[0-9]/.test(char) ? char : char === '<' ? '0' : char);
  if (cls === 'C') return TO_DIGIT[char] ?? char;
  if (cls === 'A') return TO_LETTER[char] ?? char;
  if (cls === 'S') return char === 'H' || char === 'N' ? 'M' : char === 'E' || char === 'P' ? 'F' : char;
  return char;
}

function allowed(char: string, cls: string): boolean {
  switch (cls) {
    case 'N':
      return /^[0-9]$/.test(char);
    case 'C':
      return /^[0-9<]$/.test(char);
    case 'A':
      return /^[A-Z<]$/.test(char);
    case 'S':
      return /^[MFX<]$/.test(char);
    default:
      return /^[A-Z0-9<]$/.test(char);
  }
}

interface BandStrips {
  strips: Grey[];
  /** Centre x of each cell in its strip. */
  centres: number[][];
  /** Cell pitch in strip pixels, per line. */
  pitches: number[];
  fillers: boolean[][];
}

/** Each line resampled level at `OCR_CHAR_HEIGHT`, with its cell centres and filler cells. */
function bandStrips(image: Grey, band: MrzBand): BandStrips {
  const strips: Grey[] = [];
  const centres: number[][] = [];
  const pitches: number[] = [];
  for (const { line, start, pitch } of band.lines) {
    const scale = OCR_CHAR_HEIGHT / line.charHeight;
    const margin = 0.9 * pitch;
    const half = 0.95 * line.charHeight;
    const strip = sampleStrip(
      image,
      line,
      start - margin,
      (band.lineLength - 1) * pitch + 2 * margin,
      half,
      half,
      scale,
    );
    // Blank what lies beyond the characters' own rows: tightly spaced zones put the next line's tops there.
    const keep = 0.62 * OCR_CHAR_HEIGHT + 2;
    for (let y = 0; y < strip.height; y++) {
      if (Math.abs(y + 0.5 - strip.height / 2) > keep)
        strip.data.fill(255, y * strip.width, (y + 1) * strip.width);
    }
    strips.push(strip);
    centres.push(Array.from({ length: band.lineLength }, (_, i) => (margin + i * pitch) * scale));
    pitches.push(scale * pitch);
  }
  const fillers = strips.map((strip, i) => fillerCells(strip, centres[i]!, pitches[i]!));
  return { strips, centres, pitches, fillers };
}

/**
 * OCR of the stacked strips, each symbol put in the cell under its centre. With `blankFillers` the filler cells
 * are painted white first: the characters then stand as words of their own, and tesseract no longer drops a
 * digit next to a run of `<` or reads the run as letters.
 */
async function ocrCells(band: BandStrips, blankFillers: boolean, timeoutMs: number): Promise<Cell[][]> {
  const gap = 24;
  const width = Math.max(...band.strips.map((s) => s.width));
  const height = band.strips.reduce((h, s) => h + s.height + gap, gap);
  const stacked = new Uint8Array(width * height).fill(255);
  const tops: number[] = [];
  let y = gap;
  band.strips.forEach((strip, li) => {
    tops.push(y);
    for (let r = 0; r < strip.height; r++) {
      const row = strip.data.subarray(r * strip.width, (r + 1) * strip.width);
      stacked.set(row, (y + r) * width);
      if (!blankFillers) continue;
      band.fillers[li]!.forEach((isFiller, ci) => {
        if (!isFiller) return;
        const cx = band.centres[li]![ci]!;
        const half = 0.5 * band.pitches[li]!;
        const from = Math.max(0, Math.round(cx - half));
        const to = Math.min(strip.width, Math.round(cx + half));
        stacked.fill(255, (y + r) * width + from, (y + r) * width + to);
      });
    }
    y += strip.height + gap;
  });
  const ocr = await recognizeText({ data: stacked, width, height }, { whitelist: MRZ_WHITELIST, timeoutMs });
  const cells: Cell[][] = band.strips.map((_, li) =>
    band.centres[li]!.map(() => ({ char: '?', confidence: 0, filler: false })),
  );
  for (const ocrLine of ocr.lines) {
    for (const symbol of ocrLine.symbols) {
      const cy = (symbol.y0 + symbol.y1) / 2;
      const li = tops.findIndex((top, i) => cy >= top && cy < top + band.strips[i]!.height);
      if (li < 0) continue;
      const centres = band.centres[li]!;
      const pitch = band.pitches[li]!;
      const ci = Math.round(((symbol.x0 + symbol.x1) / 2 - centres[0]!) / pitch);
      // A symbol as wide as two cells is two characters read as one: it belongs to neither.
      if (ci < 0 || ci >= centres.length || symbol.x1 - symbol.x0 > 1.6 * pitch) continue;
      const cell = cells[li]![ci]!;
      // Two symbols in one cell: keep the surer one.
      if (symbol.confidence > cell.confidence)
        cells[li]![ci] = { char: symbol.text, confidence: symbol.confidence, filler: false };
    }
  }
  band.fillers.forEach((row, li) => {
    row.forEach((isFiller, ci) => {
      if (isFiller) cells[li]![ci]!.filler = true;
    });
  });
  return cells;
}

/** Cell by cell, the surer of two readings of the same band. */
function mergeCells(a: Cell[][], b: Cell[][]): Cell[][] {
  return a.map((row, li) =>
    row.map((cell, ci) => (b[li]![ci]!.confidence > cell.confidence ? b[li]![ci]! : cell)),
  );
}

/** Share of filler cells in the right half of the lines (upright MRZ lines end in fillers). */
function fillerBalance(band: BandStrips): number {
  let right = 0;
  let total = 0;
  for (const row of band.fillers) {
    row.forEach((isFiller, ci) => {
      if (!isFiller) return;
      total++;
      if (ci >= row.length / 2) right++;
    });
  }
  return total === 0 ? 0.5 : right / total;
}

/**
 * Which cells hold a filler, by the shape of the `<` glyph (ink from Otsu on the strip, in the cell's columns):
 * the left part of its ink box is only the chevron's tip, short and on the centre line, while the right part
 * spans the two arms. Measured on the specimens' strips (bench/extraction.ts): fillers have a left part of
 * 0.36–0.42 character heights centred within ±0.07, a right part of 0.81–0.92 with nothing level with the tip;
 * the nearest other glyphs are `T` and `7` (left part 0.22–0.25 but at the top, −0.3 to −0.4) and `4` (a short
 * centred left part too, but its stem fills the right part level with the tip).
 */
export function fillerCells(strip: Grey, centres: number[], pitch: number): boolean[] {
  const threshold = otsuThreshold(strip);
  const h = OCR_CHAR_HEIGHT;
  const mid = strip.height / 2;
  const rowFrom = Math.max(0, Math.floor(mid - 0.75 * h));
  const rowTo = Math.min(strip.height, Math.ceil(mid + 0.75 * h));
  const ink = (x: number, y: number) => strip.data[y * strip.width + x]! <= threshold;
  /** Vertical extent and centre (relative to the centre line) of the ink in columns xa..xb, in heights. */
  const extent = (xa: number, xb: number) => {
    let top = -1;
    let bottom = -1;
    for (let y = rowFrom; y < rowTo; y++) {
      for (let x = xa; x <= xb; x++) {
        if (!ink(x, y)) continue;
        if (top < 0) top = y;
        bottom = y;
        break;
      }
    }
    return top < 0
      ? { size: 0, centre: 0 }
      : { size: (bottom - top + 1) / h, centre: ((top + bottom) / 2 - mid) / h };
  };
  return centres.map((cx) => {
    const x0 = Math.max(0, Math.round(cx - 0.45 * pitch));
    const x1 = Math.min(strip.width, Math.round(cx + 0.45 * pitch));
    let left = x1;
    let right = -1;
    for (let y = rowFrom; y < rowTo; y++) {
      for (let x = x0; x < x1; x++) {
        if (!ink(x, y)) continue;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
    if (right < 0) return false;
    const third = Math.floor((right - left + 1) * 0.3);
    const tip = extent(left, left + third);
    const arms = extent(right - third, right);
    // Between the arms, level with the tip, the right part is empty (a `4` has its stem there).
    const gapRow = Math.round(mid + tip.centre * h);
    let between = false;
    for (let y = gapRow - Math.round(0.08 * h); y <= gapRow + Math.round(0.08 * h); y++) {
      for (let x = right - third; x <= right; x++)
        if (y >= 0 && y < strip.height && ink(x, y)) between = true;
    }
    return (
      !between &&
      tip.size > 0 &&
      tip.size <= 0.5 &&
      Math.abs(tip.centre) <= 0.15 &&
      arms.size >= 0.6 &&
      arms.size >= 1.5 * tip.size
    );
  });
}

interface Candidate {
  lines: string[];
  confidence: number[][];
}

/** Coerces every cell to its position's class; unknown cells stay `?`. */
function coerced(cells: Cell[][], layout: MrzLayout): Candidate {
  const lines: string[] = [];
  const confidence: number[][] = [];
  cells.forEach((row, li) => {
    const classes = layout.classes[li]!;
    let text = '';
    const conf: number[] = [];
    row.forEach((cell, ci) => {
      const cls = classes[ci]!;
      // A filler shape wins over OCR wherever a filler may stand (never in a date or a number).
      if (cell.filler && allowed('<', cls) && cls !== 'N') {
        text += '<';
        conf.push(cell.char === '<' || cell.char === '?' ? 99 : 90);
        return;
      }
      let c = cell.char === '?' ? '?' : coerce(cell.char, cls);
      // A digit with no look-alike letter in a letter field (nationality codes of some specimens) stays as read;
      // the parser reports the field.
      if (cls === 'A' && /^[0-9]$/.test(c)) c = cell.char;

      const ok = allowed(c, cls) || (cls === 'A' && /^[0-9]$/.test(c));
      text += ok ? c : '?';
      conf.push(ok ? (c === cell.char ? cell.confidence : cell.confidence * 0.6) : 0);
    });
    lines.push(digitsAfterDigits(text, classes, conf));
    confidence.push(conf);
  });
  return { lines, confidence };
}

/**
 * In a run of letters and digits, look-alike letters after the run's first digit are read as digits
 * (6OOOO1795 → 600001795, 8512Q10 → 8512010): numbers start with their letters (ZS0000177, L898902C3 keeps its
 * C, which looks like no digit). Changed characters lose a fifth of their confidence.
 */
function digitsAfterDigits(text: string, classes: string, conf: number[]): string {
  let out = '';
  let seenDigit = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (classes[i] !== 'X' || c === '<' || c === '?') {
      seenDigit = false;
      out += c;
      continue;
    }
    const lookalike = DIGIT_LOOKALIKES[c];
    if (seenDigit && lookalike) {
      out += lookalike;
      conf[i] = conf[i]! * 0.8;
      continue;
    }
    if (/[0-9]/.test(c)) seenDigit = true;
    else if (!lookalike) seenDigit = false;
    out += c;
  }
  return out;
}

/** What a character may really be: every character of its class if unread, else its look-alikes. */
function alternatives(char: string, cls: string): string[] {
  const pool =
    char === '?'
      ? cls === 'N'
        ? '0123456789'
        : cls === 'C'
          ? '0123456789<'
          : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<'
      : (CONFUSABLE[char] ?? '');
  return [...pool].filter((c) => c !== char && allowed(c, cls));
}

function setChar(lines: string[], li: number, ci: number, c: string): string[] {
  const copy = [...lines];
  copy[li] = copy[li]!.slice(0, ci) + c + copy[li]!.slice(ci + 1);
  return copy;
}

/** OCR confidence below which a character may be replaced by a look-alike; two at once only below the second. */
const REPAIR_ONE_BELOW = 90;
const REPAIR_TWO_BELOW = 70;

/**
 * Repairs a field whose check digit fails with the cheapest substitution that makes it hold: one look-alike
 * (O ↔ 0, B ↔ 8, `<` ↔ K…) of a character read with less than `REPAIR_ONE_BELOW` confidence, or of a letter /
 * digit look-alike in a field that holds both; two look-alikes only below `REPAIR_TWO_BELOW`; one unread
 * character only when a single value fits. A check digit is one decimal digit, so every substitution tried is a
 * 1-in-10 chance of a wrong repair: they stay few, and the composite check digit, which covers the repaired
 * fields again, is never repaired over them. A reading whose composite then fails is not valid.
 */
function repair(candidate: Candidate, layout: MrzLayout): string[] {
  let lines = candidate.lines;
  const conf = candidate.confidence;
  const fieldChecks = layout.checks.filter((c) => c.name !== 'composite');
  const composite = layout.checks.find((c) => c.name === 'composite');
  const covered = new Set<string>();
  for (const check of fieldChecks) {
    const positions: Array<[number, number]> = [];
    for (const [l, s, e] of [...check.covers, [check.at[0], check.at[1], check.at[1] + 1] as const]) {
      for (let i = s; i < e; i++) positions.push([l, i]);
    }
    for (const [l, i] of positions) covered.add(`${l}:${i}`);
    if (checkHolds(lines, check)) continue;
    const fixed = numberReadings(lines, layout, check) ?? repairCheck(lines, conf, layout, check, positions);
    if (fixed) lines = fixed;
  }
  // The composite guides a repair only once every field check holds: a failing field fails it too, and
  // "repairing" optional data to compensate would hide the failure.
  if (composite && !checkHolds(lines, composite) && fieldChecks.every((c) => checkHolds(lines, c))) {
    // Only what no field check covers: optional data and the composite digit itself.
    const positions: Array<[number, number]> = [];
    for (const [l, s, e] of [
      ...composite.covers,
      [composite.at[0], composite.at[1], composite.at[1] + 1] as const,
    ]) {
      for (let i = s; i < e; i++) if (!covered.has(`${l}:${i}`)) positions.push([l, i]);
    }
    const fixed =
      numberReadings(lines, layout, composite, new Set(positions.map(([l, i]) => `${l}:${i}`))) ??
      repairCheck(lines, conf, layout, composite, positions);
    if (fixed) lines = fixed;
  }
  return lines;
}

/** Letters a number field may have misread for digits (not L, T, J, U: they start real document numbers). */
const DIGIT_LOOKALIKES: Record<string, string> = {
  O: '0',
  D: '0',
  Q: '0',
  I: '1',
  Z: '2',
  S: '5',
  G: '6',
  B: '8',
};

/**
 * A document number mixes letters and digits, so OCR's O / 0, D / 0, I / 1, S / 5… cannot be settled per
 * character. Numbers are letters first, then digits (`L898902C3`, `ZS0000177`, `KB0000000`): read the look-alike
 * letters as digits after the first one or two characters, or throughout, and keep the reading whose check digit
 * holds (one unread digit is filled in when exactly one value fits).
 */
function numberReadings(
  lines: string[],
  layout: MrzLayout,
  check: MrzLayout['checks'][number],
  only?: ReadonlySet<string>,
): string[] | undefined {
  const positions: Array<[number, number]> = [];
  for (const [l, s, e] of check.covers) {
    for (let i = s; i < e; i++) {
      if (layout.classes[l]![i] === 'X' && (!only || only.has(`${l}:${i}`))) positions.push([l, i]);
    }
  }
  if (positions.length === 0) return undefined;
  for (const keep of only ? [0] : [2, 1, 0]) {
    let next = lines;
    positions.forEach(([l, i], k) => {
      const digit = k >= keep ? DIGIT_LOOKALIKES[next[l]![i]!] : undefined;
      if (digit) next = setChar(next, l, i, digit);
    });
    if (next === lines) continue;
    if (checkHolds(next, check)) return next;
    const unknown = positions.filter(([l, i]) => next[l]![i] === '?');
    if (unknown.length === 1) {
      const [l, i] = unknown[0]!;
      const fits = [...'0123456789'].map((d) => setChar(next, l, i, d)).filter((n) => checkHolds(n, check));
      if (fits.length === 1) return fits[0];
    }
  }
  return undefined;
}

function repairCheck(
  lines: string[],
  conf: number[][],
  layout: MrzLayout,
  check: MrzLayout['checks'][number],
  positions: Array<[number, number]>,
): string[] | undefined {
  const options = positions
    .map(([l, i]) => {
      const char = lines[l]![i]!;
      const cls = layout.classes[l]![i]!;
      const c = char === '?' ? 0 : conf[l]![i]!;
      let alts = alternatives(char, cls);
      // Sure characters keep only the doubts that OCR confidence does not settle, in fields that hold letters
      // and digits: letter / digit look-alikes, and a filler that tesseract
      // confidently calls K, L, C or E (its English model has hardly seen `<`).
      if (char !== '?' && c >= REPAIR_ONE_BELOW) {
        alts = cls === 'X' ? alts.filter((a) => (SURE_DOUBTS[char] ?? '').includes(a)) : [];
      }
      return { l, i, c, char, alts };
    })
    .filter((o) => o.alts.length > 0)
    .sort((a, b) => a.c - b.c);
  const unknown = options.filter((o) => o.char === '?');
  if (unknown.length > 1) return undefined;
  if (unknown.length === 1) {
    const u = unknown[0]!;
    const fits = u.alts.map((a) => setChar(lines, u.l, u.i, a)).filter((next) => checkHolds(next, check));
    return fits.length === 1 ? fits[0] : undefined;
  }
  let best: { lines: string[]; cost: number } | undefined;
  const consider = (next: string[], cost: number) => {
    if (checkHolds(next, check) && (!best || cost < best.cost)) best = { lines: next, cost };
  };
  // A letter amid digits (or a digit amid letters) is the less likely reading: Q and 6 weigh the same in a
  // check digit (26 ≡ 6), as do G and 6, B and 1, S and 8…
  const isDigit = (c: string | undefined) => c !== undefined && /[0-9]/.test(c);
  const oddOne = (l: number, i: number, alt: string) => {
    const around = [lines[l]![i - 1], lines[l]![i + 1]].filter(
      (c) => c !== undefined && c !== '<' && c !== '?',
    );
    return around.length > 0 && around.every((c) => isDigit(c) !== isDigit(alt)) ? 50 : 0;
  };
  for (const o of options) {
    for (const alt of o.alts) consider(setChar(lines, o.l, o.i, alt), o.c + oddOne(o.l, o.i, alt));
  }
  if (!best) {
    const weak = options.filter((o) => o.c < REPAIR_TWO_BELOW).slice(0, 6);
    for (let x = 0; x < weak.length; x++) {
      for (let y = x + 1; y < weak.length; y++) {
        const a = weak[x]!;
        const b = weak[y]!;
        for (const altA of a.alts) {
          const once = setChar(lines, a.l, a.i, altA);
          for (const altB of b.alts) consider(setChar(once, b.l, b.i, altB), a.c + b.c);
        }
      }
    }
  }
  return best?.lines;
}

function chooseLayout(cells: Cell[][], lineLength: number, formats?: MrzFormat[]): MrzLayout[] {
  const first = cells[0]!.map((c) => c.char).join('');
  let layouts = layoutsFor(cells.length, lineLength).filter((l) => !formats || formats.includes(l.format));
  const visa = first[0] === 'V';
  layouts = layouts.filter((l) => (l.format === 'MRVA' || l.format === 'MRVB') === visa);
  if (lineLength === 36 && !visa) {
    const french = /^[I1][D0]FRA/.test(first);
    layouts = layouts.filter((l) => (l.format === 'FRENCH_NATIONAL_ID') === french);
  }
  return layouts;
}

interface Parsed {
  fields?: MrzFields;
  fieldIssues: string[];
  datesValid: boolean;
}

const SEX: Record<string, MrzFields['sex']> = { M: 'M', F: 'F', '<': 'X', X: 'X' };
const text = (s: string | null | undefined) => (s ?? '').replace(/</g, ' ').replace(/\s+/g, ' ').trim();

function nameParts(field: string): { lastName: string; firstName: string } {
  const [last = '', ...rest] = field.split('<<');
  return { lastName: text(last), firstName: text(rest.join('<')) };
}

/** Fields of the lines: the `mrz` package where it knows the format, the layout above for visas. */
function parseFields(lines: string[], layout: MrzLayout): Parsed {
  if (layout.format === 'MRVA' || layout.format === 'MRVB') {
    const [l1, l2] = lines as [string, string];
    const birth = birthDateFromMrz(l2.slice(13, 19));
    const expiry = expiryDateFromMrz(l2.slice(21, 27));
    return {
      fields: {
        documentCode: text(l1.slice(0, 2)),
        issuingState: text(l1.slice(2, 5)),
        ...nameParts(l1.slice(5)),
        documentNumber: text(l2.slice(0, 9)),
        nationality: text(l2.slice(10, 13)),
        dateOfBirth: birth ?? undefined,
        sex: SEX[l2[20]!] ?? 'X',
        expiryDate: expiry ?? undefined,
        optional: text(l2.slice(28)) || undefined,
      },
      fieldIssues: [],
      datesValid: birth !== null && expiry !== null,
    };
  }
  let result: ReturnType<typeof parseMrzLines>;
  try {
    result = parseMrzLines(lines);
  } catch {
    return { fieldIssues: ['format'], datesValid: false };
  }
  const f = result.fields;
  const birth = f.birthDate ? birthDateFromMrz(f.birthDate) : null;
  const expiry = f.expirationDate ? expiryDateFromMrz(f.expirationDate) : null;
  const fieldIssues = result.details
    .filter((d) => !d.valid && d.field && !d.field.endsWith('CheckDigit'))
    .map((d) => d.field as string);
  const optional = [f.optional1, f.optional2, f.optional]
    .map((o) => text(o))
    .filter(Boolean)
    .join(' ');
  const firstName =
    layout.format === 'FRENCH_NATIONAL_ID' ? text(lines[1]!.slice(13, 27)) : text(f.firstName);
  return {
    fields: {
      documentCode: text(lines[0]!.slice(0, 2)),
      issuingState: text(lines[0]!.slice(2, 5)),
      lastName: text(f.lastName),
      firstName,
      documentNumber: result.documentNumber ?? text(f.documentNumber),
      nationality: layout.format === 'FRENCH_NATIONAL_ID' ? 'FRA' : text(f.nationality) || undefined,
      dateOfBirth: birth ?? undefined,
      sex: SEX[f.sex === 'male' ? 'M' : f.sex === 'female' ? 'F' : '<'] ?? 'X',
      expiryDate: expiry ?? undefined,
      personalNumber: text(f.personalNumber) || undefined,
      optional: optional || undefined,
    },
    fieldIssues,
    datesValid:
      (f.birthDate === undefined || birth !== null) && (f.expirationDate === undefined || expiry !== null),
  };
}

interface Attempt {
  reading: Omit<MrzReading, 'ms'>;
  /** How many check digits hold (to choose between attempts). */
  holding: number;
}

function evaluate(cells: Cell[][], lineLength: number, rotation: 0 | 180, formats?: MrzFormat[]): Attempt {
  let best: Attempt | undefined;
  for (const layout of chooseLayout(cells, lineLength, formats)) {
    const lines = repair(coerced(cells, layout), layout);
    const checks: MrzChecks = { ...NO_CHECKS };
    let holding = 0;
    for (const check of layout.checks) {
      const ok = checkHolds(lines, check);
      checks[check.name] = ok;
      if (ok) holding++;
    }
    const complete = !lines.some((l) => l.includes('?'));
    const parsed = complete ? parseFields(lines, layout) : { fieldIssues: [], datesValid: false };
    const allHold = layout.checks.every((c) => checks[c.name]);
    const attempt: Attempt = {
      holding: holding + (complete ? 0.5 : 0),
      reading: {
        status: complete && parsed.fields ? 'READ' : 'UNREADABLE',
        format: layout.format,
        lines,
        valid: complete && allHold && parsed.datesValid,
        checks,
        ...(parsed.fields ? { fields: parsed.fields } : {}),
        ...(parsed.fieldIssues.length ? { fieldIssues: parsed.fieldIssues } : {}),
        rotation,
      },
    };
    if (!best || attempt.holding > best.holding) best = attempt;
  }
  return (
    best ?? {
      holding: -1,
      reading: { status: 'UNREADABLE', valid: false, checks: { ...NO_CHECKS }, rotation },
    }
  );
}

/**
 * Reads the MRZ of a document image (an upright or upside-down rectified document, or a whole photo / scan).
 * Never throws for bad input: no band is `NOT_FOUND`; OCR failure or timeout is `UNREADABLE` with `error`.
 */
export async function readMrz(image: RgbaFrame, options: ReadMrzOptions = {}): Promise<MrzReading> {
  const started = performance.now();
  const deadline = started + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const finish = (r: Omit<MrzReading, 'ms'>): MrzReading => ({
    ...r,
    ms: Math.round(performance.now() - started),
  });
  // Too small to hold a 30-character line of legible characters: nothing to find.
  if (image.width < MIN_SIDE || image.height < MIN_SIDE) {
    return finish({ status: 'NOT_FOUND', valid: false, checks: { ...NO_CHECKS }, rotation: 0 });
  }
  const upright = toGrey(image);
  let rotated: Grey | undefined;
  const bandsFor = (rotation: 0 | 180) => {
    if (rotation === 0) return { grey: upright, bands: findMrzBands(upright) };
    rotated ??= rotateGrey180(upright);
    return { grey: rotated, bands: findMrzBands(rotated) };
  };

  const first = bandsFor(0);
  if (first.bands.length === 0) {
    return finish({ status: 'NOT_FOUND', valid: false, checks: { ...NO_CHECKS }, rotation: 0 });
  }
  let best: Attempt | undefined;
  const remaining = () => Math.max(1, deadline - performance.now());
  /** Reads a band: fillers blanked first; when that leaves characters unread or checks failing, unblanked too. */
  const attemptBand = async (
    grey: Grey,
    band: MrzBand,
    rotation: 0 | 180,
    strips = bandStrips(grey, band),
  ) => {
    const blanked = await ocrCells(strips, true, remaining());
    let attempt = evaluate(blanked, band.lineLength, rotation, options.formats);
    if (!attempt.reading.valid) {
      const plain = await ocrCells(strips, false, remaining());
      const merged = evaluate(mergeCells(blanked, plain), band.lineLength, rotation, options.formats);
      if (merged.holding > attempt.holding) attempt = merged;
    }
    return attempt;
  };
  try {
    for (const [index, band] of first.bands.slice(0, 2).entries()) {
      const strips = bandStrips(first.grey, band);
      // Upright MRZ lines end in fillers: mostly-right fillers say upright, mostly-left upside down; only a band
      // whose fillers do not tell (few, or spread) is read both ways.
      const balance = fillerBalance(strips);
      const order: Array<0 | 180> =
        balance > 0.75 ? [0] : balance < 0.25 ? [180] : balance < 0.5 ? [180, 0] : [0, 180];
      for (const rotation of order) {
        // The other orientation is worth an OCR call for the most plausible band only.
        if (index > 0 && rotation !== order[0]) continue;
        let attempt: Attempt;
        if (rotation === 0) attempt = await attemptBand(first.grey, band, 0, strips);
        else {
          const turned = bandsFor(180);
          const match = turned.bands.find((b) => b.lineLength === band.lineLength);
          if (!match) continue;
          attempt = await attemptBand(turned.grey, match, 180);
        }
        if (!best || attempt.holding > best.holding) best = attempt;
        if (attempt.reading.valid) return finish(attempt.reading);
      }
    }
  } catch (err) {
    if (!(err instanceof OcrError)) throw err;
    return finish({
      ...(best?.reading ?? { valid: false, checks: { ...NO_CHECKS }, rotation: 0 as const }),
      status: 'UNREADABLE',
      valid: false,
      error: err.code,
    });
  }
  return finish(
    best?.reading ?? { status: 'UNREADABLE', valid: false, checks: { ...NO_CHECKS }, rotation: 0 },
  );
}
