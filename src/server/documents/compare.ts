/**
 * Comparing identity values read from different sources, which never spell them the same way: the MRZ upper-cases,
 * transliterates and truncates names; barcodes and printed fields keep diacritics, hyphens and middle names; OCR
 * of printed text confuses O/0, I/1, S/5. Names go through ./normalize.ts (ICAO 9303 transliteration, word order,
 * truncation); the tolerances are the data checks' and are set by their callers.
 */
import { distance } from 'fastest-levenshtein';
import { nameSimilarity } from './normalize.js';

/** Do two names denote the same name? `minSimilarity` 0–1 (see `nameSimilarity`): 0.85 machine-read, lower for OCR. */
export function namesAgree(a: string, b: string, minSimilarity = 0.8): boolean {
  return nameSimilarity(a, b) >= minSimilarity;
}

/** Characters OCR of printed text confuses, folded to one representative for comparing numbers. */
const CONFUSABLE: Readonly<Record<string, string>> = {
  O: '0',
  Q: '0',
  D: '0',
  I: '1',
  L: '1',
  Z: '2',
  S: '5',
  B: '8',
  G: '6',
};

/** Document numbers agree exactly, or (with `ocrTolerant`) after folding OCR confusions with one edit at most. */
export function documentNumbersAgree(a: string, b: string, ocrTolerant: boolean): boolean {
  const clean = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const x = clean(a);
  const y = clean(b);
  if (x === y) return true;
  if (!ocrTolerant) return false;
  const foldOcr = (s: string) => [...s].map((c) => CONFUSABLE[c] ?? c).join('');
  return distance(foldOcr(x), foldOcr(y)) <= 1;
}

/** Whole years from an ISO date to a day (the age on that day). */
export function yearsBetween(fromIso: string, on: Date): number {
  const [y, m, d] = fromIso.split('-').map(Number) as [number, number, number];
  let years = on.getUTCFullYear() - y;
  const month = on.getUTCMonth() + 1;
  if (month < m || (month === m && on.getUTCDate() < d)) years -= 1;
  return years;
}
