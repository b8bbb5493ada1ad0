/**
 * AAMVA DL/ID card data (the PDF417 on the back of US and Canadian driving licences), per the AAMVA DL/ID Card
 * Design Standard 2020, version 10: a header, one subfile designator, and a `DL` subfile of data elements.
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

const AAMVA_VERSION = '10';
const JURISDICTION_VERSION = '00';

/** YYYY-MM-DD → MMDDCCYY, the date format US licences use. */
function usDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${m}${d}${y}`;
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

/** The full AAMVA payload: exactly the text a PDF417 reader returns in plain text mode. */
export function aamvaPayload(h: Holder): string {
  const { state, iin } = aamvaJurisdiction(h);
  const [first = '', ...middle] = plain(h.givenNames).split(' ');
  const [street = '1 MAIN STREET', cityPart = '10001 SPECIMEN CITY'] = (h.address ?? '')
    .split(',')
    .map(plain);
  const zip = /^\d{5}/.exec(cityPart)?.[0] ?? '10001';
  const city = cityPart.replace(/^\d{5}\s*/, '') || 'SPECIMEN CITY';
  const expiryYear = Number(h.expiryDate.slice(0, 4));
  const issueDate = `${expiryYear - 8}${h.expiryDate.slice(4)}`;
  const elements: [string, string][] = [
    ['DAQ', plain(h.documentNumber)],
    ['DCS', plain(h.surname)],
    ['DDE', 'N'],
    ['DAC', first],
    ['DDF', 'N'],
    ['DAD', middle.join(' ') || 'NONE'],
    ['DDG', 'N'],
    ['DCA', 'D'],
    ['DCB', 'NONE'],
    ['DCD', 'NONE'],
    ['DBD', usDate(issueDate)],
    ['DBB', usDate(h.birthDate)],
    ['DBA', usDate(h.expiryDate)],
    ['DBC', h.sex === 'M' ? '1' : h.sex === 'F' ? '2' : '9'],
    ['DAU', '068 IN'],
    ['DAY', 'BRO'],
    ['DAG', street],
    ['DAI', city],
    ['DAJ', state],
    ['DAK', zip.padEnd(11, '0')],
    ['DCF', `${plain(h.documentNumber)}${usDate(issueDate)}`],
    ['DCG', 'USA'],
    ['DDA', 'F'],
  ];
  const subfile = `DL${elements.map(([id, value]) => id + value).join('\n')}\r`;
  const entries = 1;
  const headerLength = 21 + 10 * entries;
  const header =
    `@\n\x1e\rANSI ${iin}${AAMVA_VERSION}${JURISDICTION_VERSION}${String(entries).padStart(2, '0')}` +
    `DL${String(headerLength).padStart(4, '0')}${String(subfile.length).padStart(4, '0')}`;
  return header + subfile;
}
