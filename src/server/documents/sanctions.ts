/**
 * Sanctions screening against a list file the operator provides, in the format of the US Treasury's OFAC SDN
 * list (`sdn.csv`, and its aliases `alt.csv` when it lies next to it). Without a list there is no screening: the
 * caller reports the capability `NOT_EXECUTED` with `NO_LIST_CONFIGURED`, never a pass.
 *
 * `sdn.csv` has no header row; columns: ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type,
 * Tonnage, GRT, Vess_flag, Vess_owner, Remarks; `-0-` is null; individuals are written `LAST, First Middle`;
 * dates of birth sit in the remarks (`DOB 12 Jan 1960; alt. DOB 1961;`, also `circa 1960`, `1958 to 1962`).
 * `alt.csv`: ent_num, alt_num, alt_type (aka / fka / nka), alt_name, alt_remarks. Parsed with `csv-parse`
 * (quoted fields with commas and doubled quotes).
 *
 * Matching: names compared word by word, in any order, transliteration-aware (`normalize.ts`: ICAO folding of
 * diacritics, any-ascii for other scripts, edit distance per word); a listed person matches when the similarity
 * reaches 1 − tolerance (default tolerance 0.15: one wrong letter in a 7-letter name scores 0.86). A known date
 * of birth on both sides that cannot be the same date (year, month or day differ where both are known, beyond a
 * listed range) removes the match; one that agrees is reported. Only `individual` entries are screened unless
 * the caller asks for all types. Names screened are personal data: nothing here logs them.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { nameForms, nameFormsSimilarity } from './normalize.js';

export type SanctionsErrorCode = 'SANCTIONS_LIST_UNREADABLE' | 'SANCTIONS_LIST_EMPTY';

export class SanctionsListError extends Error {
  override readonly name = 'SanctionsListError';
  constructor(
    readonly code: SanctionsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A date of birth as the list gives it: a day, a month, a year, or a range of years. */
export interface ListedBirthDate {
  yearFrom: number;
  yearTo: number;
  month?: number;
  day?: number;
}

export interface SanctionsEntry {
  /** The list's own identifier (ent_num). */
  uid: string;
  /** The primary name as listed. */
  name: string;
  type: string;
  programs: string;
  /** Primary name and aliases, as listed. */
  names: string[];
  /** `nameForms` of each of `names` (computed once, at load). */
  forms: string[][][];
  birthDates: ListedBirthDate[];
}

export interface SanctionsList {
  entries: SanctionsEntry[];
  /** When the file was read. */
  loadedAt: Date;
  source: string;
}

export interface ScreeningMatch {
  uid: string;
  /** The listed name (or alias) that matched. */
  name: string;
  /** Name similarity 0–1. */
  score: number;
  /** `true` when a listed date of birth agrees with the subject's, `undefined` when either side has none. */
  dateOfBirthMatch?: boolean;
}

export interface ScreeningSubject {
  firstName: string;
  lastName: string;
  /** YYYY-MM-DD */
  dateOfBirth?: string;
}

export interface ScreeningOptions {
  /** Largest dissimilarity still reported as a match, 0–1 (default 0.15). */
  tolerance?: number;
  /** Screen every entry type (entities, vessels…), not only individuals. */
  allTypes?: boolean;
}

export const DEFAULT_SANCTIONS_TOLERANCE = 0.15;

const NULL = /^-0-\s*$/;
const value = (v: string | undefined) => (v === undefined || NULL.test(v) ? '' : v.trim());

const MONTHS: Record<string, number> = {
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};

/** Dates of birth in SDN remarks: `DOB 12 Jan 1960`, `alt. DOB Jan 1960`, `DOB circa 1960`, `DOB 1958 to 1962`. */
export function birthDatesFromRemarks(remarks: string): ListedBirthDate[] {
  const out: ListedBirthDate[] = [];
  for (const m of remarks.matchAll(/\bDOB\s+([^;]+)/gi)) {
    const text = m[1]!.trim().toUpperCase();
    const range = /(\d{4})\s*(?:TO|-)\s*(\d{4})/.exec(text);
    if (range) {
      out.push({ yearFrom: Number(range[1]), yearTo: Number(range[2]) });
      continue;
    }
    const full = /^(?:CIRCA\s+)?(?:(\d{1,2})\s+)?(?:([A-Z]{3})[A-Z]*\s+)?(\d{4})/.exec(text);
    if (!full) continue;
    const year = Number(full[3]);
    const circa = text.startsWith('CIRCA');
    const month = full[2] ? MONTHS[full[2]] : undefined;
    out.push({
      yearFrom: circa ? year - 1 : year,
      yearTo: circa ? year + 1 : year,
      ...(month ? { month } : {}),
      ...(month && full[1] ? { day: Number(full[1]) } : {}),
    });
  }
  return out;
}

function birthDateAgrees(listed: ListedBirthDate, iso: string): boolean {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  if (y < listed.yearFrom || y > listed.yearTo) return false;
  if (listed.month !== undefined && listed.month !== m) return false;
  if (listed.day !== undefined && listed.day !== d) return false;
  return true;
}

function rows(text: string): string[][] {
  // Old OFAC files end with a DOS end-of-file mark (Ctrl-Z).
  return parse(text.replaceAll(String.fromCharCode(0x1a), ''), {
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  }) as string[][];
}

/**
 * Reads an SDN-format list (and `alt.csv` beside it, if present). Rejects with `SanctionsListError`
 * `SANCTIONS_LIST_UNREADABLE` when the file cannot be read or parsed, `SANCTIONS_LIST_EMPTY` when it holds no entry.
 */
export async function loadSanctionsList(path: string): Promise<SanctionsList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SanctionsListError('SANCTIONS_LIST_UNREADABLE', 'the sanctions list file cannot be read', {
      cause: err,
    });
  }
  let records: string[][];
  try {
    records = rows(text);
  } catch (err) {
    throw new SanctionsListError('SANCTIONS_LIST_UNREADABLE', 'the sanctions list is not SDN-format CSV', {
      cause: err,
    });
  }
  const byUid = new Map<string, SanctionsEntry>();
  for (const record of records) {
    const uid = value(record[0]);
    const name = value(record[1]);
    if (!/^\d+$/.test(uid) || !name) continue;
    byUid.set(uid, {
      uid,
      name,
      type: value(record[2]).toLowerCase() || 'entity',
      programs: value(record[3]),
      names: [name],
      forms: [],
      birthDates: birthDatesFromRemarks(value(record[11])),
    });
  }
  if (byUid.size === 0) {
    throw new SanctionsListError('SANCTIONS_LIST_EMPTY', 'the sanctions list holds no entry');
  }
  try {
    const aliases = rows(await readFile(join(dirname(path), 'alt.csv'), 'utf8'));
    for (const record of aliases) {
      const entry = byUid.get(value(record[0]));
      const alias = value(record[3]);
      if (entry && alias) entry.names.push(alias);
    }
  } catch {
    // No alias file (or an unreadable one): the primary names are still screened.
  }
  for (const entry of byUid.values()) entry.forms = entry.names.map((n) => nameForms(n.replace(/,/g, ' ')));
  return { entries: [...byUid.values()], loadedAt: new Date(), source: path };
}

/** Screens a person against the list; matches sorted by score, best first. */
export function screenName(
  list: SanctionsList,
  subject: ScreeningSubject,
  options: ScreeningOptions = {},
): { matches: ScreeningMatch[] } {
  const threshold = 1 - (options.tolerance ?? DEFAULT_SANCTIONS_TOLERANCE);
  const query = nameForms(`${subject.firstName} ${subject.lastName}`);
  const queryInitials = new Set(query.flat().map((t) => t[0]));
  const matches: ScreeningMatch[] = [];
  for (const entry of list.entries) {
    if (!options.allTypes && entry.type !== 'individual') continue;
    let best: { name: string; score: number } | undefined;
    entry.forms.forEach((forms, i) => {
      // Cheap pre-filter: a listed name shares at least one initial with the subject's.
      if (!forms.some((words) => words.some((w) => queryInitials.has(w[0])))) return;
      const score = nameFormsSimilarity(query, forms);
      if (score >= threshold && (!best || score > best.score)) best = { name: entry.names[i]!, score };
    });
    if (!best) continue;
    let dateOfBirthMatch: boolean | undefined;
    if (subject.dateOfBirth && entry.birthDates.length > 0) {
      dateOfBirthMatch = entry.birthDates.some((d) => birthDateAgrees(d, subject.dateOfBirth!));
      if (!dateOfBirthMatch) continue;
    }
    matches.push({
      uid: entry.uid,
      name: best.name,
      score: Math.round(best.score * 1000) / 1000,
      ...(dateOfBirthMatch !== undefined ? { dateOfBirthMatch } : {}),
    });
  }
  matches.sort((a, b) => b.score - a.score);
  return { matches };
}
