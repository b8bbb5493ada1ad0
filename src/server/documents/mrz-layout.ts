/**
 * Machine-readable zone layouts (ICAO Doc 9303 parts 4–7, and the French national identity card of 1988–2021):
 * which character class each position holds and which check digit covers which positions. The reader uses them to
 * choose between OCR alternatives (a `0` in a date, an `O` in a name) and to repair a misread character when
 * exactly that repair makes a check digit right. Parsing of the repaired lines is the `mrz` package's job.
 */

export type MrzFormat = 'TD1' | 'TD2' | 'TD3' | 'MRVA' | 'MRVB' | 'FRENCH_NATIONAL_ID';

export type MrzCheckName = 'documentNumber' | 'dateOfBirth' | 'expiryDate' | 'personalNumber' | 'composite';

/**
 * Character class per position:
 * `A` letters or filler, `N` digits, `X` letters, digits or filler, `C` a check digit (or a filler over an empty
 * field), `S` sex (M, F, filler, X).
 */
export type MrzCharClass = 'A' | 'N' | 'X' | 'C' | 'S';

/** Positions `[line, start, end)`. */
export type MrzRange = readonly [line: number, start: number, end: number];

export interface MrzCheck {
  name: MrzCheckName;
  /** Line and position of the check digit. */
  at: readonly [line: number, position: number];
  covers: readonly MrzRange[];
}

export interface MrzLayout {
  format: MrzFormat;
  lineLength: number;
  /** One class string per line. */
  classes: readonly string[];
  checks: readonly MrzCheck[];
}

const rep = (c: MrzCharClass, n: number) => c.repeat(n);

/** TD3 / MRV-A and TD2 / MRV-B share their second line's head: number, nationality, birth, sex, expiry. */
function secondLineHead(): string {
  return rep('X', 9) + 'C' + rep('A', 3) + rep('N', 6) + 'C' + 'S' + rep('N', 6) + 'C';
}

export const MRZ_LAYOUTS: Readonly<Record<MrzFormat, MrzLayout>> = {
  TD1: {
    format: 'TD1',
    lineLength: 30,
    classes: [
      // The second letter of the code is the issuer's choice; US permanent resident cards print `C1`.
      'A' + 'X' + rep('A', 3) + rep('X', 9) + 'C' + rep('X', 15),
      rep('N', 6) + 'C' + 'S' + rep('N', 6) + 'C' + rep('A', 3) + rep('X', 11) + 'C',
      rep('A', 30),
    ],
    checks: [
      { name: 'documentNumber', at: [0, 14], covers: [[0, 5, 14]] },
      { name: 'dateOfBirth', at: [1, 6], covers: [[1, 0, 6]] },
      { name: 'expiryDate', at: [1, 14], covers: [[1, 8, 14]] },
      {
        name: 'composite',
        at: [1, 29],
        covers: [
          [0, 5, 30],
          [1, 0, 7],
          [1, 8, 15],
          [1, 18, 29],
        ],
      },
    ],
  },
  TD2: {
    format: 'TD2',
    lineLength: 36,
    classes: [rep('A', 36), secondLineHead() + rep('X', 7) + 'C'],
    checks: [
      { name: 'documentNumber', at: [1, 9], covers: [[1, 0, 9]] },
      { name: 'dateOfBirth', at: [1, 19], covers: [[1, 13, 19]] },
      { name: 'expiryDate', at: [1, 27], covers: [[1, 21, 27]] },
      {
        name: 'composite',
        at: [1, 35],
        covers: [
          [1, 0, 10],
          [1, 13, 20],
          [1, 21, 35],
        ],
      },
    ],
  },
  TD3: {
    format: 'TD3',
    lineLength: 44,
    classes: [rep('A', 44), secondLineHead() + rep('X', 14) + 'C' + 'C'],
    checks: [
      { name: 'documentNumber', at: [1, 9], covers: [[1, 0, 9]] },
      { name: 'dateOfBirth', at: [1, 19], covers: [[1, 13, 19]] },
      { name: 'expiryDate', at: [1, 27], covers: [[1, 21, 27]] },
      { name: 'personalNumber', at: [1, 42], covers: [[1, 28, 42]] },
      {
        name: 'composite',
        at: [1, 43],
        covers: [
          [1, 0, 10],
          [1, 13, 20],
          [1, 21, 43],
        ],
      },
    ],
  },
  // Visas (Doc 9303 part 7) carry no composite check digit.
  MRVA: {
    format: 'MRVA',
    lineLength: 44,
    classes: [rep('A', 44), secondLineHead() + rep('X', 16)],
    checks: [
      { name: 'documentNumber', at: [1, 9], covers: [[1, 0, 9]] },
      { name: 'dateOfBirth', at: [1, 19], covers: [[1, 13, 19]] },
      { name: 'expiryDate', at: [1, 27], covers: [[1, 21, 27]] },
    ],
  },
  MRVB: {
    format: 'MRVB',
    lineLength: 36,
    classes: [rep('A', 36), secondLineHead() + rep('X', 8)],
    checks: [
      { name: 'documentNumber', at: [1, 9], covers: [[1, 0, 9]] },
      { name: 'dateOfBirth', at: [1, 19], covers: [[1, 13, 19]] },
      { name: 'expiryDate', at: [1, 27], covers: [[1, 21, 27]] },
    ],
  },
  FRENCH_NATIONAL_ID: {
    format: 'FRENCH_NATIONAL_ID',
    lineLength: 36,
    classes: [
      rep('A', 30) + rep('X', 6),
      rep('N', 4) + rep('X', 3) + rep('N', 5) + 'C' + rep('A', 14) + rep('N', 6) + 'C' + 'S' + 'C',
    ],
    checks: [
      { name: 'documentNumber', at: [1, 12], covers: [[1, 0, 12]] },
      { name: 'dateOfBirth', at: [1, 33], covers: [[1, 27, 33]] },
      {
        name: 'composite',
        at: [1, 35],
        covers: [
          [0, 0, 36],
          [1, 0, 35],
        ],
      },
    ],
  },
};

/** Formats with this many lines of this length. */
export function layoutsFor(lines: number, length: number): MrzLayout[] {
  return Object.values(MRZ_LAYOUTS).filter((l) => l.classes.length === lines && l.lineLength === length);
}

/** Value of an MRZ character in check-digit sums: digits as themselves, A–Z as 10–35, filler as 0. */
function charValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  return 0;
}

/** ICAO 9303 check digit (weights 7, 3, 1) of a string of MRZ characters. */
export function mrzCheckDigit(s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += charValue(s[i]!) * [7, 3, 1][i % 3]!;
  return sum % 10;
}

/** The characters a check covers and the check character, for the given lines. */
export function checkInput(lines: readonly string[], check: MrzCheck): { covered: string; digit: string } {
  const [line, at] = check.at;
  // TD1 document numbers longer than 9 characters: a filler where the check digit belongs, the rest of the
  // number in the optional field, its check digit last before the fillers (Doc 9303 part 5, 4.2.4).
  if (check.name === 'documentNumber' && lines.length === 3 && lines[0]![14] === '<') {
    // The filler stays in the checked string (it weighs 0 but shifts the 7-3-1 weights after it).
    const optional = lines[0]!.slice(15).replace(/<+$/, '');
    if (optional.length > 0) {
      return { covered: lines[0]!.slice(5, 14 + optional.length), digit: optional.slice(-1) };
    }
  }
  const covered = check.covers.map(([l, s, e]) => lines[l]!.slice(s, e)).join('');
  return { covered, digit: lines[line]![at]! };
}

/** True when the check digit is right; a filler passes only over an all-filler field (an unused number). */
export function checkHolds(lines: readonly string[], check: MrzCheck): boolean {
  const { covered, digit } = checkInput(lines, check);
  if (covered.includes('?')) return false;
  if (digit === '<') return /^<*$/.test(covered);
  if (!/^[0-9]$/.test(digit)) return false;
  return mrzCheckDigit(covered) === Number(digit);
}
