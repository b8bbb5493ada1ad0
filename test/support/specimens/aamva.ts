/**
 * AAMVA DL/ID card data (the PDF417 on the back of US and Canadian driving licences), per the AAMVA DL/ID Card
 * Design Standard: a header, subfile designators, a `DL` (or `ID`) subfile of data elements and, on request, a
 * jurisdiction subfile. By default version 10 (2020) with one DL subfile; `AamvaOptions` give the older layouts
 * real cards still carry: version 1 (2000: `AAMVA` file type, no jurisdiction version, full name in `DAA`,
 * CCYYMMDD dates), version 3 (2005: `DCT` given names), Canadian issuers (CCYYMMDD dates, `CAN`, letter postal
 * codes), and the separators stripped, as some scanners return the text.
 */
import type { Holder } from './holder.js';
import { mrzText } from './mrz.js';

/** A few jurisdictions with their issuer identification numbers (IIN). */
const JURISDICTIONS = [
  { state: 'VA', iin: '636000' },
  { state: 'NY', iin: '636001' },
  { state: 'CA', iin: '636014' },
  { state: 'TX', iin: '636015' },
] as const;

/** Issuers the options can ask for by code (US states and Canadian provinces). */
const ISSUERS: Readonly<Record<string, { iin: string; country: 'USA' | 'CAN' }>> = {
  VA: { iin: '636000', country: 'USA' },
  NY: { iin: '636001', country: 'USA' },
  CA: { iin: '636014', country: 'USA' },
  TX: { iin: '636015', country: 'USA' },
  FL: { iin: '636010', country: 'USA' },
  MD: { iin: '636003', country: 'USA' },
  WI: { iin: '636031', country: 'USA' },
  ON: { iin: '636012', country: 'CAN' },
  BC: { iin: '636028', country: 'CAN' },
};

const JURISDICTION_VERSION = '00';

export interface AamvaOptions {
  /** AAMVA standard version, 1–10 (default 10). */
  version?: number;
  /** Issuing state or province (default: derived from the holder, one of VA, NY, CA, TX). */
  jurisdiction?: keyof typeof ISSUERS;
  /** `ID` card instead of a driving licence. */
  documentType?: 'DL' | 'ID';
  /** Add a jurisdiction subfile (`Z` + the jurisdiction's first letter). */
  jurisdictionSubfile?: boolean;
  /** Remove the LF / RS / CR separators, as some scanners do. */
  stripSeparators?: boolean;
  /** Issue date (YYYY-MM-DD); default 8 years before expiry. */
  issueDate?: string;
}

/** YYYY-MM-DD → MMDDCCYY, the date format US licences use since version 2. */
function usDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${m}${d}${y}`;
}

/** YYYY-MM-DD → CCYYMMDD, the date format of Canadian licences and of version 1. */
function yearFirstDate(iso: string): string {
  return iso.replace(/-/g, '');
}

function plain(s: string): string {
  return mrzText(s).replace(/</g, ' ').replace(/\s+/g, ' ').trim();
}

/** The jurisdiction is derived from the document number so that a holder always maps to the same one. */
export function aamvaJurisdiction(h: Holder): { state: string; iin: string } {
  let sum = 0;
  for (const c of h.documentNumber) sum = (sum * 31 + c.charCodeAt(0)) % 9973;
  return JURISDICTIONS[sum % JURISDICTIONS.length]!;
}

/** The holder's address as AAMVA fields (street, city, postal code), with specimen defaults. */
export function aamvaAddress(h: Holder, country: 'USA' | 'CAN' = 'USA') {
  const [street = '1 MAIN STREET', cityPart = '10001 SPECIMEN CITY'] = (h.address ?? '')
    .split(',')
    .map(plain);
  const digits = /^\d{5}/.exec(cityPart)?.[0] ?? '10001';
  const city = cityPart.replace(/^\d{5}\s*/, '') || 'SPECIMEN CITY';
  // A Canadian postal code (letter digit letter digit letter digit) made from the same digits.
  const postal = country === 'CAN' ? `K${digits[0]}A${digits[1]}B${digits[2]}` : digits.padEnd(11, '0');
  return { street, city, postal };
}

/** The full AAMVA payload: exactly the text a PDF417 reader returns in plain text mode. */
export function aamvaPayload(h: Holder, options: AamvaOptions = {}): string {
  const version = options.version ?? 10;
  const issuer = options.jurisdiction
    ? { state: options.jurisdiction, ...ISSUERS[options.jurisdiction]! }
    : { ...aamvaJurisdiction(h), country: 'USA' as const };
  const country = issuer.country;
  const yearFirst = version <= 1 || country === 'CAN';
  const date = (iso: string) => (yearFirst ? yearFirstDate(iso) : usDate(iso));
  const [first = '', ...middle] = plain(h.givenNames).split(' ');
  const { street, city, postal } = aamvaAddress(h, country);
  const expiryYear = Number(h.expiryDate.slice(0, 4));
  const issueDate = options.issueDate ?? `${expiryYear - 8}${h.expiryDate.slice(4)}`;
  const sex = h.sex === 'M' ? '1' : h.sex === 'F' ? '2' : '9';
  const surname = plain(h.surname);
  let elements: [string, string][];
  if (version <= 1) {
    elements = [
      ['DAQ', plain(h.documentNumber)],
      ['DAA', [surname, first, middle.join(' ')].join(',')],
      ['DAG', street],
      ['DAI', city],
      ['DAJ', issuer.state],
      ['DAK', postal],
      ['DAR', 'D'],
      ['DBA', date(h.expiryDate)],
      ['DBB', date(h.birthDate)],
      ['DBC', h.sex === 'X' ? '9' : h.sex],
      ['DBD', date(issueDate)],
      ['DAU', '509'],
    ];
  } else {
    const names: [string, string][] =
      version <= 3
        ? [
            ['DCS', surname],
            ['DCT', [first, ...middle].join(' ')],
          ]
        : [
            ['DCS', surname],
            ['DDE', 'N'],
            ['DAC', first],
            ['DDF', 'N'],
            ['DAD', middle.join(' ') || 'NONE'],
            ['DDG', 'N'],
          ];
    elements = [
      ['DAQ', plain(h.documentNumber)],
      ...names,
      ['DCA', 'D'],
      ['DCB', 'NONE'],
      ['DCD', 'NONE'],
      ['DBD', date(issueDate)],
      ['DBB', date(h.birthDate)],
      ['DBA', date(h.expiryDate)],
      ['DBC', sex],
      ['DAU', '068 IN'],
      ['DAY', 'BRO'],
      ['DAG', street],
      ['DAI', city],
      ['DAJ', issuer.state],
      ['DAK', postal],
      ['DCF', `${plain(h.documentNumber)}${usDate(issueDate)}`],
      ['DCG', country],
      ...(version >= 5 ? ([['DDA', 'F']] as [string, string][]) : []),
    ];
  }
  const type = options.documentType ?? 'DL';
  const subfiles: Array<[string, string]> = [
    [type, `${type}${elements.map(([id, v]) => id + v).join('\n')}\r`],
  ];
  if (options.jurisdictionSubfile) {
    const z = `Z${issuer.state[0]}`;
    subfiles.push([z, `${z}${z}A${plain(h.documentNumber).slice(-4)}\n${z}BSPECIMEN\r`]);
  }
  const fileType = version <= 1 ? 'AAMVA' : 'ANSI ';
  const head =
    `@\n\x1e\r${fileType}${issuer.iin}${String(version).padStart(2, '0')}` +
    `${version >= 2 ? JURISDICTION_VERSION : ''}${String(subfiles.length).padStart(2, '0')}`;
  let offset = head.length + 10 * subfiles.length;
  let designators = '';
  for (const [t, body] of subfiles) {
    designators += `${t}${String(offset).padStart(4, '0')}${String(body.length).padStart(4, '0')}`;
    offset += body.length;
  }
  const payload = head + designators + subfiles.map(([, body]) => body).join('');
  return options.stripSeparators ? [...payload].filter((c) => !'\n\x1e\r'.includes(c)).join('') : payload;
}
