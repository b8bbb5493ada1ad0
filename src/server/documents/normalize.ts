/**
 * Names and dates as documents write them, made comparable: the MRZ (ICAO 9303 transliteration, A–Z only,
 * truncated to the field), the AAMVA barcode, the printed zone and what a customer typed can spell one person in
 * several ways (MÜLLER, MUELLER, MULLER; "Anna-Maria" and ANNA<MARIA; given names in any order). Used by the
 * readers here, by the sanctions screening and by the data checks that compare sources.
 *
 * Transliteration: ICAO 9303 part 3 table first (Ä → AE, Ø → OE, ß → SS, Þ → TH…, with the single-letter form as
 * an accepted variant), then `any-ascii` for every other script (Cyrillic, Greek, Arabic…). Distances come from
 * `fastest-levenshtein`.
 */
import anyAscii from 'any-ascii';
import { distance } from 'fastest-levenshtein';

/** ICAO 9303 part 3, table of transliterations of Latin letters with diacritics that are not a plain fold. */
const ICAO_LATIN: Record<string, string> = {
  Ä: 'AE',
  Å: 'AA',
  Æ: 'AE',
  Ö: 'OE',
  Ø: 'OE',
  Œ: 'OE',
  Ü: 'UE',
  ß: 'SS',
  ẞ: 'SS',
  Þ: 'TH',
  Ð: 'D',
  Đ: 'D',
  Ł: 'L',
  Ħ: 'H',
  Ŋ: 'N',
  Ĳ: 'IJ',
  ı: 'I',
};

/**
 * The name in MRZ letters: upper case A–Z and single spaces. `expand` chooses the ICAO two-letter forms (Ä →
 * AE); without it the diacritic is just dropped (Ä → A), the other form ICAO allows.
 */
export function foldName(name: string, expand = true): string {
  let out = '';
  for (const ch of name.normalize('NFC').toUpperCase()) {
    const icao = ICAO_LATIN[ch];
    if (icao) out += expand ? icao : icao[0];
    else out += ch;
  }
  return anyAscii(out.normalize('NFD').replace(/[\u0300-\u036f]/g, ''))
    .toUpperCase()
    .replace(/'/g, '')
    .replace(/[^A-Z]+/g, ' ')
    .trim();
}

/** The words of a name in MRZ letters (both transliteration forms are tried by the comparisons). */
export function nameTokens(name: string, expand = true): string[] {
  return foldName(name, expand).split(' ').filter(Boolean);
}

/** Similarity of two words, 0–1 (1 − edit distance ÷ longer length). */
function wordSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  return 1 - distance(a, b) / Math.max(a.length, b.length);
}

/**
 * Similarity of two names, 0–1, insensitive to word order, diacritics and transliteration, joined or split
 * words (VAN DER BERG ~ VANDERBERG) and to MRZ truncation (a last word cut short matches the full one).
 * Every word of the shorter name must find a partner; the score is the mean similarity of those pairs.
 */
export function nameSimilarity(a: string, b: string): number {
  return nameFormsSimilarity(nameForms(a), nameForms(b));
}

/** The word lists of a name under both ICAO transliterations (Ä → AE and Ä → A); compute once, compare often. */
export function nameForms(name: string): string[][] {
  const expanded = nameTokens(name, true);
  const folded = nameTokens(name, false);
  return expanded.join(' ') === folded.join(' ') ? [expanded] : [expanded, folded];
}

/** `nameSimilarity` of two names already turned into `nameForms`. */
export function nameFormsSimilarity(a: string[][], b: string[][]): number {
  let best = 0;
  for (const ta of a) {
    for (const tb of b) {
      best = Math.max(best, tokenSimilarity(ta, tb));
      if (best === 1) return 1;
    }
  }
  return best;
}

function tokenSimilarity(ta: string[], tb: string[]): number {
  if (ta.length === 0 || tb.length === 0) return ta.length === tb.length ? 1 : 0;
  const joined = wordSimilarity(ta.join(''), tb.join(''));
  const [short, long] = ta.length <= tb.length ? [ta, tb] : [tb, ta];
  const used = new Set<number>();
  let sum = 0;
  for (const word of short) {
    let bestScore = 0;
    let bestIndex = -1;
    long.forEach((other, i) => {
      if (used.has(i)) return;
      let s = wordSimilarity(word, other);
      // MRZ truncation: one word is the start of the other (at least 3 letters).
      if (s < 1 && Math.min(word.length, other.length) >= 3) {
        if (other.startsWith(word) || word.startsWith(other)) s = Math.max(s, 0.95);
      }
      if (s > bestScore) {
        bestScore = s;
        bestIndex = i;
      }
    });
    if (bestIndex >= 0) used.add(bestIndex);
    sum += bestScore;
  }
  return Math.max(joined, sum / short.length);
}

/** True when `YYYY-MM-DD` is a real calendar date. */
export function isIsoDate(iso: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** `YYYY-MM-DD` from parts, or null when they do not make a real date. */
export function isoDate(year: number, month: number, day: number): string | null {
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : null;
}

function yymmdd(value: string): { yy: number; month: number; day: number } | null {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return null;
  return { yy: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** An MRZ birth date (YYMMDD): the latest century that does not put it in the future. */
export function birthDateFromMrz(value: string, today: Date = new Date()): string | null {
  const d = yymmdd(value);
  if (!d) return null;
  const thisYear = today.getUTCFullYear();
  let year = Math.floor(thisYear / 100) * 100 + d.yy;
  const iso = isoDate(year, d.month, d.day);
  if (iso && iso > today.toISOString().slice(0, 10)) year -= 100;
  return isoDate(year, d.month, d.day);
}

/** An MRZ expiry date (YYMMDD): the century that puts it within 80 years before and 20 after today. */
export function expiryDateFromMrz(value: string, today: Date = new Date()): string | null {
  const d = yymmdd(value);
  if (!d) return null;
  const thisYear = today.getUTCFullYear();
  for (const century of [0, -100, 100]) {
    const year = Math.floor(thisYear / 100) * 100 + century + d.yy;
    if (year <= thisYear + 20 && year > thisYear - 80) return isoDate(year, d.month, d.day);
  }
  return null;
}
