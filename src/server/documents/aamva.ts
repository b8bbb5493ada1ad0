/**
 * AAMVA DL/ID card data (the PDF417 on the back of US and Canadian driving licences and ID cards), versions 1–10
 * of the AAMVA DL/ID Card Design Standard (2000–2020): header, subfile designators, the DL / ID subfile and
 * jurisdiction subfiles (`Z?`), parsed into typed fields.
 *
 * Why our own parser: `aamva-parser@1.7.0` (checked on the 16 real payloads of the evaluation set) reads element
 * values up to the next line feed only, so on the 6 payloads whose LF / RS / CR separators a scanner stripped it
 * returns the whole rest of the record as the first name or the state and no dates; it also reads version-1 dates
 * (CCYYMMDD) as MMDDCCYY (Maryland's 2017-02-09 becomes year 0210) and knows no version-1 names (DAA). No other
 * maintained npm package parses AAMVA at all.
 *
 * Table-driven: `ELEMENTS` lists every element ID of the DL/ID subfile across versions with its kind, and the
 * kinds say what a value may look like. With separators, elements are the separated pieces. Without, the record
 * is cut at known element IDs, searching for the cut that makes every element's value valid for its kind, each ID
 * used once (a name such as DACOSTA then stays one name instead of `DCS` + `DAC OSTA`).
 *
 * Versions differ in the header (version 1 has no jurisdiction version), in names (v1: `DAA` "LAST,FIRST,MIDDLE"
 * or `DAB` / `DAC` / `DAD`; v2–3: `DCS` and `DCT` given names; v4+: `DCS`, `DAC`, `DAD`) and in dates (v1:
 * CCYYMMDD; later: MMDDCCYY in the US and CCYYMMDD in Canada). Jurisdictions deviate: some print `M`/`F` for sex,
 * pad values with spaces, omit the subfile type before the first element, or write `AMVA` for the file type.
 */
import { isoDate } from './normalize.js';

type ElementKind =
  | 'name'
  | 'suffix'
  | 'fullName'
  | 'street'
  | 'city'
  | 'date'
  | 'sex'
  | 'state'
  | 'postal'
  | 'country'
  | 'number'
  | 'text'
  | 'code'
  | 'flag'
  | 'height'
  | 'weight'
  | 'colour';

/** Element IDs of the DL / ID subfile, versions 1–10 (AAMVA DL/ID Card Design Standard, annex D). */
const ELEMENTS: Readonly<Record<string, ElementKind>> = {
  DAA: 'fullName', // v1: full name
  DAB: 'name', // v1: family name
  DAC: 'name', // first name
  DAD: 'name', // middle name(s)
  DAE: 'suffix', // v1: suffix
  DAF: 'name', // v1: prefix
  DAG: 'street', // street 1
  DAH: 'street', // street 2
  DAI: 'city',
  DAJ: 'state', // jurisdiction code of the address
  DAK: 'postal',
  DAL: 'street', // v1: residence street 1
  DAM: 'street',
  DAN: 'city',
  DAO: 'state',
  DAP: 'postal',
  DAQ: 'number', // customer ID number (the licence number)
  DAR: 'code', // v1: class
  DAS: 'code', // v1: restrictions
  DAT: 'code', // v1: endorsements
  DAU: 'height',
  DAV: 'height',
  DAW: 'weight',
  DAX: 'weight',
  DAY: 'colour',
  DAZ: 'colour',
  DBA: 'date', // expiry
  DBB: 'date', // birth
  DBC: 'sex',
  DBD: 'date', // issue
  DBE: 'text',
  DBF: 'code',
  DBG: 'text',
  DBH: 'code',
  DBI: 'code',
  DBJ: 'text',
  DBK: 'text',
  DBL: 'date',
  DBM: 'text',
  DBN: 'text',
  DBO: 'name',
  DBP: 'name',
  DBQ: 'name',
  DBR: 'suffix',
  DBS: 'suffix',
  DCA: 'code', // vehicle class
  DCB: 'code', // restrictions
  DCD: 'code', // endorsements
  DCE: 'code',
  DCF: 'text', // document discriminator
  DCG: 'country',
  DCH: 'code',
  DCI: 'text',
  DCJ: 'text',
  DCK: 'text',
  DCL: 'code',
  DCM: 'code',
  DCN: 'code',
  DCO: 'code',
  DCP: 'text',
  DCQ: 'text',
  DCR: 'text',
  DCS: 'name', // family name
  DCT: 'name', // v2–3: given names
  DCU: 'suffix',
  DDA: 'flag',
  DDB: 'date',
  DDC: 'date',
  DDD: 'flag',
  DDE: 'flag',
  DDF: 'flag',
  DDG: 'flag',
  DDH: 'date',
  DDI: 'date',
  DDJ: 'date',
  DDK: 'flag',
  DDL: 'flag',
};

/**
 * What a value of each kind may look like (after trimming the space padding some jurisdictions add), with the
 * standard's field lengths as bounds: names 40 (DAA 125), streets 35, cities 20, numbers 25. The bounds and the
 * character sets are what keep a cut from swallowing the next elements into a free-text value.
 */
const VALUE: Readonly<Record<ElementKind, RegExp>> = {
  name: /^[A-Z ,.'-]{1,40}$/i,
  suffix: /^[A-Z0-9 .]{0,5}$/i,
  // LAST,FIRST,MIDDLE,SUFFIX: digits only in the suffix (3RD).
  fullName: /^(?=.{1,125}$)[A-Z .'-]+(?:,[A-Z .'-]*)*(?:,[A-Z0-9 .]*)?$/i,
  street: /^[A-Z0-9 #./'&-]{1,35}$/i,
  city: /^[A-Z .'-]{1,20}$/i,
  date: /^\d{8}$/,
  sex: /^[12390MFUX]?$/,
  state: /^[A-Z]{2}$/,
  postal: /^[0-9A-Z -]{3,11}$/i,
  country: /^(?:[A-Z]{3})?$/,
  number: /^[0-9A-Z *-]{1,25}$/i,
  // biome-ignore lint/suspicious/noControlCharactersInRegex: RS (0x1E) is AAMVA's record separator
  text: /^[^\n\r\x1e]{0,60}$/,
  code: /^[0-9A-Z -]{0,12}$/i,
  flag: /^[0-9A-Z]?$/,
  height: /^[0-9]{1,3}(?: ?(?:IN|CM|in|cm))?$|^$/,
  weight: /^[0-9]{0,3}$/,
  colour: /^(?:[A-Z]{3})?$/,
};

/** Kinds whose value may not be empty (a cut that empties them is a wrong cut). */
const NOT_EMPTY: ReadonlySet<ElementKind> = new Set([
  'name',
  'fullName',
  'street',
  'city',
  'date',
  'state',
  'number',
]);

/** Issuer identification numbers of US and Canadian jurisdictions (AAMVA IIN registry). */
const IIN: Readonly<Record<string, { jurisdiction: string; country: 'USA' | 'CAN' }>> = Object.fromEntries(
  (
    [
      ['636000', 'VA'],
      ['636001', 'NY'],
      ['636002', 'MA'],
      ['636003', 'MD'],
      ['636004', 'NC'],
      ['636005', 'SC'],
      ['636006', 'CT'],
      ['636007', 'LA'],
      ['636008', 'MT'],
      ['636009', 'NM'],
      ['636010', 'FL'],
      ['636011', 'DE'],
      ['636012', 'ON', 'CAN'],
      ['636013', 'NS', 'CAN'],
      ['636014', 'CA'],
      ['636015', 'TX'],
      ['636016', 'NL', 'CAN'],
      ['636017', 'NB', 'CAN'],
      ['636018', 'IA'],
      ['636019', 'GU'],
      ['636020', 'CO'],
      ['636021', 'AR'],
      ['636022', 'KS'],
      ['636023', 'OH'],
      ['636024', 'VT'],
      ['636025', 'PA'],
      ['636026', 'AZ'],
      ['636028', 'BC', 'CAN'],
      ['636029', 'OK'],
      ['636030', 'MO'],
      ['636031', 'WI'],
      ['636032', 'MI'],
      ['636033', 'AL'],
      ['636034', 'ND'],
      ['636035', 'IL'],
      ['636036', 'NJ'],
      ['636037', 'IN'],
      ['636038', 'MN'],
      ['636039', 'NH'],
      ['636040', 'UT'],
      ['636041', 'ME'],
      ['636042', 'SD'],
      ['636043', 'DC'],
      ['636044', 'SK', 'CAN'],
      ['636045', 'WA'],
      ['636046', 'KY'],
      ['636047', 'HI'],
      ['636048', 'MB', 'CAN'],
      ['636049', 'NV'],
      ['636050', 'ID'],
      ['636051', 'MS'],
      ['636052', 'RI'],
      ['636053', 'TN'],
      ['636054', 'NE'],
      ['636055', 'GA'],
      ['636058', 'OR'],
      ['636059', 'AK'],
      ['636061', 'WV'],
      ['604426', 'PE', 'CAN'],
      ['604427', 'AS'],
      ['604428', 'QC', 'CAN'],
      ['604429', 'YT', 'CAN'],
      ['604432', 'AB', 'CAN'],
      ['604433', 'NU', 'CAN'],
    ] as Array<[string, string, ('USA' | 'CAN')?]>
  ).map(([iin, jurisdiction, country]) => [iin, { jurisdiction, country: country ?? 'USA' }]),
);

const CANADIAN_SUBDIVISIONS = new Set([
  'AB',
  'BC',
  'MB',
  'NB',
  'NL',
  'NS',
  'NT',
  'NU',
  'ON',
  'PE',
  'QC',
  'SK',
  'YT',
]);

export interface AamvaAddress {
  line1: string;
  line2?: string;
  city: string;
  subdivision: string;
  postalCode: string;
  country: 'USA' | 'CAN';
}

export interface AamvaFields {
  firstName: string;
  middleName?: string;
  lastName: string;
  nameSuffix?: string;
  /** YYYY-MM-DD */
  dateOfBirth?: string;
  expiryDate?: string;
  issuingDate?: string;
  documentNumber: string;
  gender?: 'M' | 'F' | 'X';
  address?: AamvaAddress;
  issuingCountry: 'USA' | 'CAN';
}

export interface AamvaParse {
  /** Header found and every field of `fields` present and valid (no `errors`). */
  ok: boolean;
  /** AAMVA standard version of the record (1–10; 0 for pre-standard records). */
  version: number;
  jurisdictionVersion?: number;
  iin: string;
  /** Issuing jurisdiction (state / province code), from the IIN, else the address state. */
  jurisdiction?: string;
  documentType: 'DL' | 'ID';
  fields: AamvaFields;
  /** Every element of the DL / ID subfile by ID, values trimmed. Personal data: never log it. */
  elements: Record<string, string>;
  /** Elements of the jurisdiction subfiles (`ZxA`…), by ID. */
  jurisdictionElements: Record<string, string>;
  /** What is missing or malformed, e.g. `NO_HEADER`, `MISSING:DBA`, `INVALID_DATE:DBA`. */
  errors: string[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: RS (0x1E) is AAMVA's record separator
const SEPARATORS = /[\n\r\x1e]+/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: RS (0x1E) is AAMVA's record separator
const LEADING_SEPARATORS = /^[\n\r\x1e]+/;

interface Header {
  iin: string;
  version: number;
  jurisdictionVersion?: number;
  /** Subfile types in order (`DL`, `ID`, `ZF`…). */
  subfiles: string[];
  /** Index just past the subfile designators. */
  end: number;
}

/**
 * The header: compliance indicator `@`, separators (possibly stripped), file type `ANSI ` (`AAMVA` before 2000;
 * `AMVA ` and `ANSI` without its space seen in the wild), IIN, version, jurisdiction version (v2+), number of
 * subfiles, then one 10-character designator per subfile (type, offset, length).
 */
function parseHeader(text: string): Header | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: RS (0x1E) is AAMVA's record separator
  const m = /@[\n\r\x1e ]*(?:ANSI ?|AAMVA|AMVA ?)(\d{6})(\d{2})/.exec(text);
  if (!m) return undefined;
  const iin = m[1]!;
  const version = Number(m[2]);
  let at = m.index + m[0].length;
  let jurisdictionVersion: number | undefined;
  if (version >= 2) {
    jurisdictionVersion = Number(text.slice(at, at + 2));
    at += 2;
  }
  const entries = Number(text.slice(at, at + 2));
  at += 2;
  const subfiles: string[] = [];
  for (let i = 0; i < Math.min(entries || 1, 20); i++) {
    const designator = /^([A-Z]{2})\d{8}/.exec(text.slice(at));
    if (!designator) break;
    subfiles.push(designator[1]!);
    at += 10;
  }
  return { iin, version, jurisdictionVersion, subfiles, end: at };
}

/** The text of each subfile, found by its type (offsets are unreliable once separators are stripped). */
function splitSubfiles(text: string, header: Header): Map<string, string> {
  const out = new Map<string, string>();
  const starts: Array<{ type: string; at: number }> = [];
  let from = header.end;
  header.subfiles.forEach((type, i) => {
    let at: number;
    if (i === 0) {
      // The first subfile starts right after the designators, its type repeated or (some issuers) not.
      const rest = text.slice(from).replace(LEADING_SEPARATORS, '');
      at = text.length - rest.length + (rest.startsWith(type) ? type.length : 0);
    } else {
      // A jurisdiction subfile `ZF` starts with `ZF` and its first element `ZFA…`; a DL / ID one with an element.
      const pattern = type.startsWith('Z') ? `${type}${type}` : type;
      const found = text.indexOf(pattern, from);
      if (found < 0) return;
      at = found + type.length;
    }
    starts.push({ type, at });
    from = at;
  });
  starts.forEach(({ type, at }, i) => {
    const next = starts[i + 1];
    const end = next ? next.at - next.type.length : text.length;
    out.set(type, text.slice(at, end));
  });
  return out;
}

function valueFits(id: string, value: string): boolean {
  const kind = ELEMENTS[id];
  if (!kind) return true;
  const v = value.trim();
  if (v === '') return !NOT_EMPTY.has(kind);
  return VALUE[kind].test(v);
}

/**
 * Elements rarely present on real cards (v1 residence address, aliases, audit fields): a cut that creates one is
 * the less likely reading (ENGLAND,ADAM is a name, not a name ENGLAND,A followed by a residence street `DAM`).
 */
const RARE = new Set([
  'DAE',
  'DAF',
  'DAL',
  'DAM',
  'DAN',
  'DAO',
  'DAP',
  'DBE',
  'DBG',
  'DBI',
  'DBJ',
  'DBK',
  'DBL',
  'DBM',
  'DBN',
  'DBO',
  'DBP',
  'DBQ',
  'DBR',
  'DBS',
  'DCI',
  'DCJ',
  'DCL',
  'DCM',
  'DCN',
  'DCO',
  'DCP',
  'DCQ',
  'DCR',
  'DDC',
  'DDD',
  'DDH',
  'DDI',
  'DDJ',
]);

/**
 * Cuts a subfile body without separators into elements at positions where a known element ID starts, so that
 * every value fits its kind and no ID repeats. Of the cuts that fit, the one with the most elements wins, a rare
 * element counting against the cut (it is only believed where nothing else fits): dynamic programming over the cut positions, then, if that cut repeats an ID, a
 * depth-first search (nearest cut first) that forbids repeats.
 */
function cutElements(body: string, isKnown: (id: string) => boolean): Array<[string, string]> | undefined {
  const candidates: number[] = [];
  for (let i = 0; i + 3 <= body.length; i++) if (isKnown(body.slice(i, i + 3))) candidates.push(i);
  if (candidates.length === 0) return undefined;
  const weight = (id: string) => (RARE.has(id) ? -0.5 : 1);
  // most[k]: best total weight of the elements from candidates[k] to the end; next[k]: where the first one ends.
  const most = new Array<number>(candidates.length).fill(-Infinity);
  const next = new Array<number>(candidates.length).fill(-1);
  for (let k = candidates.length - 1; k >= 0; k--) {
    const at = candidates[k]!;
    const id = body.slice(at, at + 3);
    if (valueFits(id, body.slice(at + 3))) most[k] = weight(id);
    for (let j = k + 1; j < candidates.length; j++) {
      const to = candidates[j]!;
      if (to < at + 3 || most[j]! + weight(id) <= most[k]!) continue;
      if (valueFits(id, body.slice(at + 3, to))) {
        most[k] = most[j]! + weight(id);
        next[k] = j;
      }
    }
  }
  if (most[0] !== -Infinity) {
    const cut: Array<[string, string]> = [];
    for (let k = 0; k !== -1; k = next[k]!) {
      const at = candidates[k]!;
      const end = next[k] === -1 ? body.length : candidates[next[k]!]!;
      cut.push([body.slice(at, at + 3), body.slice(at + 3, end)]);
    }
    if (new Set(cut.map(([id]) => id)).size === cut.length) return cut;
  }
  let steps = 0;
  const walk = (at: number, seen: Set<string>): Array<[string, string]> | undefined => {
    if (++steps > 20000) return undefined;
    const id = body.slice(at, at + 3);
    if (seen.has(id)) return undefined;
    const nextSeen = new Set(seen).add(id);
    for (const to of candidates) {
      if (to < at + 3) continue;
      const value = body.slice(at + 3, to);
      if (!valueFits(id, value)) continue;
      const rest = walk(to, nextSeen);
      if (rest) return [[id, value], ...rest];
    }
    const value = body.slice(at + 3);
    return valueFits(id, value) ? [[id, value]] : undefined;
  };
  return walk(candidates[0]!, new Set());
}

function elementsOf(body: string, isKnown: (id: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (SEPARATORS.test(body)) {
    for (const piece of body.split(SEPARATORS)) {
      const id = piece.slice(0, 3);
      if (/^[A-Z]{3}$/.test(id) && !(id in out)) out[id] = piece.slice(3).trim();
    }
    return out;
  }
  // No consistent cut (a malformed record): cut at the first occurrence of every known ID, as a last resort.
  const cut = cutElements(body, isKnown) ?? greedyCut(body, isKnown);
  for (const [id, value] of cut) out[id] = value.trim();
  return out;
}

function greedyCut(body: string, isKnown: (id: string) => boolean): Array<[string, string]> {
  const starts: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i + 3 <= body.length; i++) {
    const id = body.slice(i, i + 3);
    if (isKnown(id) && !seen.has(id) && (starts.length === 0 || i >= starts.at(-1)! + 3)) {
      seen.add(id);
      starts.push(i);
    }
  }
  return starts.map((at, k) => [body.slice(at, at + 3), body.slice(at + 3, starts[k + 1] ?? body.length)]);
}

/** An 8-digit AAMVA date: MMDDCCYY (US, v2+) or CCYYMMDD (Canada, and every v1 record), whichever is real. */
function aamvaDate(value: string | undefined, yearFirst: boolean): string | null | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{8}$/.test(value)) return null;
  const us = isoDate(Number(value.slice(4, 8)), Number(value.slice(0, 2)), Number(value.slice(2, 4)));
  const ca = isoDate(Number(value.slice(0, 4)), Number(value.slice(4, 6)), Number(value.slice(6, 8)));
  const plausible = (iso: string | null) => iso !== null && iso >= '1900-01-01' && iso <= '2199-12-31';
  const [first, second] = yearFirst ? [ca, us] : [us, ca];
  if (plausible(first)) return first;
  if (plausible(second)) return second;
  return null;
}

function postalCode(raw: string | undefined, country: 'USA' | 'CAN'): string {
  const v = (raw ?? '').replace(/[\s-]+/g, '').toUpperCase();
  if (country === 'CAN' && /^[A-Z]\d[A-Z]\d[A-Z]\d$/.test(v)) return `${v.slice(0, 3)} ${v.slice(3)}`;
  if (/^\d{9,11}$/.test(v))
    return v.slice(5, 9) === '0000' ? v.slice(0, 5) : `${v.slice(0, 5)}-${v.slice(5, 9)}`;
  return v;
}

/** Placeholders issuers print for an empty field. */
const absent = (v: string | undefined) =>
  v === undefined || v === '' || /^(?:NONE|UNAVL|UNAVAIL|UNK|N\/A)$/i.test(v) ? undefined : v;
const clean = (v: string) => v.replace(/\s+/g, ' ').trim();

/** Names by version: v4+ DCS / DAC / DAD, v2–3 DCS + DCT given names, v1 DAA full name or DAB / DAC / DAD. */
function names(e: Record<string, string>): { last: string; first: string; middle?: string; suffix?: string } {
  let last = absent(e.DCS) ?? absent(e.DAB);
  let first = absent(e.DAC);
  let middle = absent(e.DAD);
  let suffix = absent(e.DCU) ?? absent(e.DAE);
  const given = absent(e.DCT);
  if (!first && given) {
    const [f = '', ...rest] = given.split(/[ ,]+/).filter(Boolean);
    first = f;
    middle ??= rest.join(' ') || undefined;
  }
  const full = absent(e.DAA);
  if ((!last || !first) && full) {
    if (full.includes(',')) {
      // LAST,FIRST,MIDDLE,SUFFIX
      const [l = '', f = '', m = '', s = ''] = full.split(',').map(clean);
      last ??= l;
      first ??= f;
      middle ??= m || undefined;
      suffix ??= s || undefined;
    } else {
      // FIRST MIDDLE LAST
      const words = full.split(/\s+/).filter(Boolean);
      last ??= words.pop() ?? '';
      first ??= words.shift() ?? '';
      middle ??= words.join(' ') || undefined;
    }
  }
  return {
    last: clean(last ?? ''),
    first: clean(first ?? ''),
    ...(middle ? { middle: clean(middle) } : {}),
    ...(suffix ? { suffix: clean(suffix) } : {}),
  };
}

const SEX: Record<string, 'M' | 'F' | 'X'> = { '1': 'M', M: 'M', '2': 'F', F: 'F', '9': 'X', X: 'X' };

const EMPTY_FIELDS: AamvaFields = { firstName: '', lastName: '', documentNumber: '', issuingCountry: 'USA' };

/** Parses the text of a licence's PDF417 (plain text mode). Never throws: what is wrong is listed in `errors`. */
export function parseAamva(text: string): AamvaParse {
  const header = parseHeader(text);
  if (!header) {
    return {
      ok: false,
      version: 0,
      iin: '',
      documentType: 'DL',
      fields: { ...EMPTY_FIELDS },
      elements: {},
      jurisdictionElements: {},
      errors: ['NO_HEADER'],
    };
  }
  const errors: string[] = [];
  const subfiles = splitSubfiles(text, header);
  const mainType = header.subfiles.find((t) => t === 'DL' || t === 'ID') ?? 'DL';
  const body = subfiles.get(mainType) ?? text.slice(header.end);
  if (!subfiles.has(mainType)) errors.push('NO_DL_SUBFILE');
  const elements = elementsOf(body, (id) => id in ELEMENTS);
  const jurisdictionElements: Record<string, string> = {};
  for (const [type, content] of subfiles) {
    if (!type.startsWith('Z')) continue;
    Object.assign(
      jurisdictionElements,
      elementsOf(content, (id) => id.startsWith(type)),
    );
  }

  const registry = IIN[header.iin];
  const subdivision = absent(elements.DAJ);
  const country: 'USA' | 'CAN' =
    elements.DCG === 'CAN' || elements.DCG === 'USA'
      ? elements.DCG
      : (registry?.country ?? (subdivision && CANADIAN_SUBDIVISIONS.has(subdivision) ? 'CAN' : 'USA'));
  const yearFirst = header.version <= 1 || country === 'CAN';
  const date = (id: string, required: boolean) => {
    const iso = aamvaDate(elements[id], yearFirst);
    if (iso === null) errors.push(`INVALID_DATE:${id}`);
    if (iso === undefined && required) errors.push(`MISSING:${id}`);
    return iso ?? undefined;
  };
  const dateOfBirth = date('DBB', true);
  const expiryDate = date('DBA', true);
  const issuingDate = date('DBD', false);
  const name = names(elements);
  if (!name.last) errors.push('MISSING:DCS');
  if (!name.first) errors.push('MISSING:DAC');
  const documentNumber = clean(elements.DAQ ?? '');
  if (!documentNumber) errors.push('MISSING:DAQ');
  const gender = SEX[(elements.DBC ?? '').trim().toUpperCase()];
  const line1 = absent(elements.DAG);
  const line2 = absent(elements.DAH);
  const city = absent(elements.DAI);
  const address: AamvaAddress | undefined =
    line1 || city
      ? {
          line1: clean(line1 ?? ''),
          ...(line2 ? { line2: clean(line2) } : {}),
          city: clean(city ?? ''),
          subdivision: subdivision ?? '',
          postalCode: postalCode(elements.DAK, country),
          country,
        }
      : undefined;

  return {
    ok: errors.length === 0,
    version: header.version,
    ...(header.jurisdictionVersion !== undefined ? { jurisdictionVersion: header.jurisdictionVersion } : {}),
    iin: header.iin,
    ...((registry?.jurisdiction ?? subdivision)
      ? { jurisdiction: registry?.jurisdiction ?? subdivision }
      : {}),
    documentType: mainType === 'ID' ? 'ID' : 'DL',
    fields: {
      firstName: name.first,
      ...(name.middle ? { middleName: name.middle } : {}),
      lastName: name.last,
      ...(name.suffix ? { nameSuffix: name.suffix } : {}),
      ...(dateOfBirth ? { dateOfBirth } : {}),
      ...(expiryDate ? { expiryDate } : {}),
      ...(issuingDate ? { issuingDate } : {}),
      documentNumber,
      ...(gender ? { gender } : {}),
      ...(address ? { address } : {}),
      issuingCountry: country,
    },
    elements,
    jurisdictionElements,
    errors,
  };
}
