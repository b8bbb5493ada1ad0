/**
 * Machine-readable zones per ICAO Doc 9303 (parts 4–6): TD3 passports, TD1 and TD2 identity cards, and the
 * French national identity card's own 2 × 36 layout; check digits can be broken on request.
 */
import type { Holder } from './holder.js';

export interface MrzError extends Error {
  code: 'MRZ_INVALID_CHARACTER' | 'MRZ_INVALID_DATE';
}

function mrzError(code: MrzError['code'], message: string): MrzError {
  return Object.assign(new Error(message), { code });
}

/** ICAO 9303 check digit: weights 7-3-1, digits as themselves, A–Z as 10–35, filler `<` as 0. */
export function mrzCheckDigit(s: string): string {
  const weights = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let value: number;
    if (c >= 48 && c <= 57) value = c - 48;
    else if (c >= 65 && c <= 90) value = c - 55;
    else if (c === 60) value = 0;
    else
      throw mrzError('MRZ_INVALID_CHARACTER', `character ${JSON.stringify(s[i])} is not allowed in an MRZ`);
    sum += value * weights[i % 3]!;
  }
  return String(sum % 10);
}

/** Upper-case A–Z, 0–9 and `<` only: accents dropped, every other character becomes a filler. */
export function mrzText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '<');
}

function field(s: string, length: number): string {
  return mrzText(s).slice(0, length).padEnd(length, '<');
}

/** `SURNAME<<GIVEN<NAMES`, truncated to the field and padded with fillers. */
function nameField(h: Holder, length: number): string {
  // ICAO 9303 drops apostrophes (O'BRIEN → OBRIEN); other punctuation becomes a filler.
  const surname = mrzText(h.surname.trim().replace(/'/g, '')).replace(/<+/g, '<');
  const given = mrzText(h.givenNames.trim().replace(/'/g, '')).replace(/<+/g, '<');
  return field(`${surname}<<${given}`, length);
}

/** YYYY-MM-DD → YYMMDD */
function mrzDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw mrzError('MRZ_INVALID_DATE', 'dates must be YYYY-MM-DD');
  return m[1]!.slice(2) + m[2]! + m[3]!;
}

function mrzSex(sex: Holder['sex']): string {
  return sex === 'X' ? '<' : sex;
}

/** TD1 (ID-1 card), three lines of 30 characters. */
export function td1Mrz(h: Holder): [string, string, string] {
  const docNumber = field(h.documentNumber, 9);
  const line1Tail = docNumber + mrzCheckDigit(docNumber) + field('', 15);
  const line1 = 'I<' + field(h.issuingState, 3) + line1Tail;
  const birth = mrzDate(h.birthDate);
  const expiry = mrzDate(h.expiryDate);
  const birthPart = birth + mrzCheckDigit(birth);
  const expiryPart = expiry + mrzCheckDigit(expiry);
  const optional2 = field('', 11);
  const nationality = field(h.nationality, 3);
  const composite = mrzCheckDigit(line1Tail + birthPart + expiryPart + optional2);
  const line2 = birthPart + mrzSex(h.sex) + expiryPart + nationality + optional2 + composite;
  return [line1, line2, nameField(h, 30)];
}

/** TD3 (passport data page), two lines of 44 characters. */
export function td3Mrz(h: Holder): [string, string] {
  const line1 = 'P<' + field(h.issuingState, 3) + nameField(h, 39);
  const docNumber = field(h.documentNumber, 9);
  const docPart = docNumber + mrzCheckDigit(docNumber);
  const birth = mrzDate(h.birthDate);
  const expiry = mrzDate(h.expiryDate);
  const birthPart = birth + mrzCheckDigit(birth);
  const expiryPart = expiry + mrzCheckDigit(expiry);
  const personalNumber = field('', 14);
  const personalPart = personalNumber + mrzCheckDigit(personalNumber);
  const composite = mrzCheckDigit(docPart + birthPart + expiryPart + personalPart);
  const line2 =
    docPart + field(h.nationality, 3) + birthPart + mrzSex(h.sex) + expiryPart + personalPart + composite;
  return [line1, line2];
}

/** TD2 (ID-2 card, and the ICAO-layout identity cards of some states), two lines of 36 characters. */
export function td2Mrz(h: Holder): [string, string] {
  const line1 = 'I<' + field(h.issuingState, 3) + nameField(h, 31);
  const docNumber = field(h.documentNumber, 9);
  const docPart = docNumber + mrzCheckDigit(docNumber);
  const birth = mrzDate(h.birthDate);
  const expiry = mrzDate(h.expiryDate);
  const birthPart = birth + mrzCheckDigit(birth);
  const expiryPart = expiry + mrzCheckDigit(expiry);
  const optional = field('', 7);
  const composite = mrzCheckDigit(docPart + birthPart + expiryPart + optional);
  const line2 =
    docPart + field(h.nationality, 3) + birthPart + mrzSex(h.sex) + expiryPart + optional + composite;
  return [line1, line2];
}

/**
 * The French national identity card of 1988–2021 (two lines of 36, not an ICAO layout): surname and an
 * administrative code on line 1; issue year and month, department, office serial, check digit, given names, birth
 * date, sex and a composite check digit on line 2. `documentNumber` of the holder gives the 5-digit serial.
 */
export function frenchIdMrz(
  h: Holder,
  options: { issued?: string; department?: string } = {},
): [string, string] {
  const department = field(options.department ?? '075', 3);
  const line1 = 'IDFRA' + field(h.surname.replace(/'/g, ''), 25) + field(`${department}001`, 6);
  const issued = (options.issued ?? '2015-06').replace(/^\d{2}(\d{2})-(\d{2}).*$/, '$1$2');
  const serial = (h.documentNumber.replace(/\D/g, '') + '00000').slice(0, 5);
  const numberPart = issued + department + serial;
  const birth = mrzDate(h.birthDate);
  const head =
    numberPart +
    mrzCheckDigit(numberPart) +
    field(h.givenNames.replace(/ /g, '<<'), 14) +
    birth +
    mrzCheckDigit(birth);
  const line2Body = head + mrzSex(h.sex);
  return [line1, line2Body + mrzCheckDigit(line1 + line2Body)];
}

/** Where each check digit sits (line, position), per layout: for specimens with a broken one. */
const CHECK_DIGITS: Record<
  string,
  Partial<Record<'documentNumber' | 'dateOfBirth' | 'expiryDate' | 'composite', [number, number]>>
> = {
  '3x30': { documentNumber: [0, 14], dateOfBirth: [1, 6], expiryDate: [1, 14], composite: [1, 29] },
  '2x36': { documentNumber: [1, 9], dateOfBirth: [1, 19], expiryDate: [1, 27], composite: [1, 35] },
  '2x44': { documentNumber: [1, 9], dateOfBirth: [1, 19], expiryDate: [1, 27], composite: [1, 43] },
  french: { documentNumber: [1, 12], dateOfBirth: [1, 33], composite: [1, 35] },
};

/** The lines with one check digit made wrong (the digit plus 1), as on a forged or misprinted document. */
export function breakCheckDigit(
  lines: readonly string[],
  check: 'documentNumber' | 'dateOfBirth' | 'expiryDate' | 'composite',
): string[] {
  const key = lines[0]!.startsWith('IDFRA') ? 'french' : `${lines.length}x${lines[0]!.length}`;
  const at = CHECK_DIGITS[key]?.[check];
  if (!at) throw new Error(`no ${check} check digit in a ${key} MRZ`);
  const [line, pos] = at;
  const out = [...lines];
  const digit = out[line]![pos]!;
  const broken = digit === '<' ? '1' : String((Number(digit) + 1) % 10);
  out[line] = out[line]!.slice(0, pos) + broken + out[line]!.slice(pos + 1);
  return out;
}
