/**
 * Printed fields of a document's visual zone, by OCR, for documents that carry neither an MRZ nor a barcode (or
 * as a third source to compare them with). Best effort and marked so: every result is `confidence: 'LOW'`.
 *
 * Input: a rectified, upright document front. Tesseract runs in sparse-text mode (labels and values of ID cards
 * are scattered blocks, not paragraphs); a line that starts with a known label (English, French, German,
 * Spanish, Italian, Dutch, Portuguese, Polish, and US licences' DOB / EXP / ISS / DLN / LN / FN) gives its value
 * either in the rest of the line (`DOB 01/31/1970`) or in the line just below it, in the label's column
 * (`Surname / Nom` over `GARCIA LOPEZ`). Dates are read as day-month-year unless the label is a US-style
 * abbreviation or the numbers only fit month-day-year. Recognized text is personal data: nothing is logged.
 */
import { isoDate } from './normalize.js';
import { type OcrLine, type OcrWord, recognizeText } from './ocr.js';
import { type RgbaFrame, resizeGrey, toGrey } from './text-lines.js';

export interface PrintedFields {
  firstName: string;
  lastName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  expiryDate: string;
  issuingDate: string;
  documentNumber: string;
  sex: 'M' | 'F' | 'X';
  nationality: string;
}

export interface PrintedFieldsReading {
  fields: Partial<PrintedFields>;
  confidence: 'LOW';
  ms: number;
  /** Set when OCR failed or ran out of time (fields then empty). */
  error?: 'OCR_TIMEOUT' | 'OCR_FAILED';
}

export interface ReadPrintedFieldsOptions {
  kind?: 'id1' | 'passport';
  /** Bound on the OCR call (default 6000 ms). */
  timeoutMs?: number;
}

type FieldName = keyof PrintedFields;

/** Labels per field; a line must start with one. `us` marks the US-style abbreviations (dates month first). */
const LABELS: Array<{ field: FieldName; pattern: RegExp; us?: boolean }> = [
  {
    field: 'lastName',
    pattern:
      /^(?:surname|last name|family name|nom(?! d)|apellidos?|cognome|nachname|familienname|achternaam|sobrenome|apelido|nazwisko|LN\b)/i,
  },
  {
    field: 'firstName',
    pattern:
      /^(?:given names?|first names?|forenames?|pr[ée]noms?|nombres?|nomi?\b|vornamen?|voornamen|imiona|FN\b)/i,
  },
  {
    field: 'dateOfBirth',
    pattern:
      /^(?:date of birth|birth ?date|born|n[ée]e? le|date de naissance|fecha de nacimiento|data di nascita|geburtsdatum|geboortedatum|data de nascimento|data urodzenia)/i,
  },
  { field: 'dateOfBirth', pattern: /^DOB\b/i, us: true },
  {
    field: 'expiryDate',
    pattern:
      /^(?:date of expiry|expiry(?: date)?|expiration(?: date)?|valid until|valid thru|date d'expiration|fecha de caducidad|validez|data di scadenza|scadenza|g[üu]ltig bis|geldig tot|vervaldatum|data de validade|data wa[żz]no[śs]ci)/i,
  },
  { field: 'expiryDate', pattern: /^(?:EXP|EXPIRES)\b/i, us: true },
  {
    field: 'issuingDate',
    pattern:
      /^(?:date of issue|issue date|issued|date de d[ée]livrance|fecha de expedici[óo]n|data di rilascio|ausstellungsdatum|afgiftedatum)/i,
  },
  { field: 'issuingDate', pattern: /^ISS\b/i, us: true },
  {
    field: 'documentNumber',
    pattern:
      /^(?:document n(?:o|umber|°|º)|doc(?:ument)?\.? ?no|passport n(?:o|umber)|card n(?:o|umber)|id n(?:o|umber)|licen[cs]e n(?:o|umber)|n[°º] (?:du )?(?:document|passeport)|n[úu]mero|numero|ausweisnummer|documentnummer|DLN\b|DL ?(?:NO|#))/i,
  },
  { field: 'sex', pattern: /^(?:sex|sexe|sexo|geschlecht|sesso|geslacht|p[łl]e[ćc])\b/i },
  {
    field: 'nationality',
    pattern:
      /^(?:nationality|nationalit[ée]|nacionalidad|nazionalit[àa]|staatsangeh|nationaliteit|nacionalidade|obywatelstwo)/i,
  },
];

const MONTHS: Record<string, number> = {
  JAN: 1,
  FEB: 2,
  FEV: 2,
  MAR: 3,
  APR: 4,
  AVR: 4,
  MAY: 5,
  MAI: 5,
  JUN: 6,
  JUI: 6,
  JUL: 7,
  AUG: 8,
  AOU: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};

function fullYear(y: string): number {
  const n = Number(y);
  if (y.length === 4) return n;
  // Two-digit years: the latest century not more than 20 years ahead.
  const now = new Date().getUTCFullYear();
  const candidate = Math.floor(now / 100) * 100 + n;
  return candidate > now + 20 ? candidate - 100 : candidate;
}

/** A printed date: `18 06 1965`, `18.06.1965`, `06/18/1965` (US), `1965-06-18`, `12 AUG 1974`, `12AUG74`. */
export function parsePrintedDate(text: string, monthFirst = false): string | undefined {
  const t = text.toUpperCase();
  const iso = /(\d{4})[-./ ](\d{1,2})[-./ ](\d{1,2})/.exec(t);
  if (iso) return isoDate(Number(iso[1]), Number(iso[2]), Number(iso[3])) ?? undefined;
  const named = /(\d{1,2})\s*([A-Z]{3})[A-Z]*(?:\s*\/\s*[A-Z]+)?\s*(\d{4}|\d{2})\b/.exec(t);
  if (named && MONTHS[named[2]!])
    return isoDate(fullYear(named[3]!), MONTHS[named[2]!]!, Number(named[1])) ?? undefined;
  const numeric = /(\d{1,2})\s*[-./ ]\s*(\d{1,2})\s*[-./ ]\s*(\d{4}|\d{2})\b/.exec(t);
  if (!numeric) return undefined;
  const [a, b, y] = [Number(numeric[1]), Number(numeric[2]), fullYear(numeric[3]!)];
  const dayFirst = isoDate(y, b, a);
  const monthFirstDate = isoDate(y, a, b);
  return (monthFirst ? (monthFirstDate ?? dayFirst) : (dayFirst ?? monthFirstDate)) ?? undefined;
}

const clean = (s: string) =>
  s
    .replace(/[|_=~«»"“”]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

function value(field: FieldName, raw: string, us: boolean): string | undefined {
  // `Prénom(s):` leaves its `(s)` and colon before the value.
  const text = clean(raw)
    .replace(/^\(s\)/i, '')
    .replace(/^[:./\s-]+/, '');
  if (!text) return undefined;
  switch (field) {
    case 'dateOfBirth':
    case 'expiryDate':
    case 'issuingDate':
      return parsePrintedDate(text, us);
    case 'sex': {
      const m = /\b([MFX])\b/.exec(text.toUpperCase());
      return m ? m[1] : undefined;
    }
    case 'nationality': {
      const m = /\b([A-Z]{3})\b/.exec(text.toUpperCase());
      return m ? m[1] : text.toUpperCase();
    }
    case 'documentNumber': {
      const m = /[A-Z0-9][A-Z0-9 -]{3,}[A-Z0-9]/.exec(text.toUpperCase());
      return m ? m[0].replace(/[\s-]/g, '') : undefined;
    }
    default: {
      const name = text
        .toUpperCase()
        .replace(/[^A-Z\u00C0-\u024F' -]/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      return name.length >= 2 ? name : undefined;
    }
  }
}

/** The words of `line` below `label` in its column: horizontally overlapping it, up to the next label's x. */
function valueBelow(lines: OcrLine[], label: OcrWord, columnEnd: number): string | undefined {
  const height = label.y1 - label.y0;
  const below = lines
    .filter((l) => l.y0 >= label.y1 - 0.3 * height && l.y0 - label.y1 < 2.5 * height)
    .sort((a, b) => a.y0 - b.y0);
  for (const line of below) {
    const words = line.words.filter((w) => w.x1 > label.x0 - height && w.x0 < columnEnd && w.confidence > 30);
    if (words.length > 0) return words.map((w) => w.text).join(' ');
  }
  return undefined;
}

interface FoundLabel {
  field: FieldName;
  us: boolean;
  /** The label's own extent (its first word to its last). */
  box: OcrWord;
  /** Text after the label on the same line. */
  rest: string;
  line: OcrLine;
}

/** Labels in a line: at its start, and after another label's words (`Sex Nationality Date of birth`). */
function labelsIn(line: OcrLine): FoundLabel[] {
  const found: FoundLabel[] = [];
  for (let w = 0; w < line.words.length; w++) {
    const tail = line.words.slice(w);
    const text = tail.map((x) => x.text).join(' ');
    for (const { field, pattern, us } of LABELS) {
      const m = pattern.exec(text);
      if (!m) continue;
      // The label's words: as many as its match covers, plus a translation after a slash (`Surname / Nom`).
      let covered = m[0].trim().split(/\s+/).length;
      while (tail[covered] && /^[/|]$/.test(tail[covered]!.text) && tail[covered + 1]) covered += 2;
      const words = tail.slice(0, covered);
      found.push({
        field,
        us: Boolean(us),
        box: {
          text: words.map((x) => x.text).join(' '),
          confidence: Math.min(...words.map((x) => x.confidence)),
          x0: words[0]!.x0,
          y0: Math.min(...words.map((x) => x.y0)),
          x1: words.at(-1)!.x1,
          y1: Math.max(...words.map((x) => x.y1)),
        },
        rest: tail
          .slice(covered)
          .map((x) => x.text)
          .join(' '),
        line,
      });
      w += covered - 1;
      break;
    }
  }
  return found;
}

/** Reads the printed fields of a rectified document front. Never throws; OCR failure leaves `fields` empty. */
export async function readPrintedFields(
  image: RgbaFrame,
  options: ReadPrintedFieldsOptions = {},
): Promise<PrintedFieldsReading> {
  const started = performance.now();
  if (image.width < 32 || image.height < 32) return { fields: {}, confidence: 'LOW', ms: 0 };
  let grey = toGrey(image);
  // Card text is 2–3 mm high: at 1000–1600 px across the document it is 20–40 px, what tesseract reads best.
  const target = options.kind === 'passport' ? 1400 : 1100;
  if (grey.width < 0.8 * target || grey.width > 1.6 * target) {
    const k = target / grey.width;
    grey = resizeGrey(grey, target, Math.max(1, Math.round(grey.height * k)));
  }
  let lines: OcrLine[];
  try {
    lines = (await recognizeText(grey, { layout: 'sparse', timeoutMs: options.timeoutMs ?? 6000 })).lines;
  } catch (err) {
    const code = (err as { code?: string }).code === 'OCR_TIMEOUT' ? 'OCR_TIMEOUT' : 'OCR_FAILED';
    return { fields: {}, confidence: 'LOW', ms: Math.round(performance.now() - started), error: code };
  }
  const fields: Partial<Record<FieldName, string>> = {};
  const labels = lines.flatMap(labelsIn);
  for (const label of labels) {
    if (fields[label.field]) continue;
    const sameRow = labels.filter(
      (l) =>
        l !== label &&
        l.box.x0 > label.box.x1 &&
        Math.abs(l.box.y0 - label.box.y0) < label.box.y1 - label.box.y0,
    );
    const columnEnd = Math.min(...sameRow.map((l) => l.box.x0 - 4), Number.POSITIVE_INFINITY);
    const found =
      value(label.field, label.rest, label.us) ??
      value(label.field, valueBelow(lines, label.box, columnEnd) ?? '', label.us);
    if (found) fields[label.field] = found;
  }
  return {
    fields: fields as Partial<PrintedFields>,
    confidence: 'LOW',
    ms: Math.round(performance.now() - started),
  };
}
