/** Deterministic fake document holders. Every name and number here is invented; none belongs to a real person. */
import { DEFAULT_SEED, randomFor } from './random.js';

export interface Holder {
  surname: string;
  givenNames: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: 'F' | 'M' | 'X';
  /** ISO 3166-1 alpha-3 (as used in the MRZ). */
  nationality: string;
  documentNumber: string;
  /** YYYY-MM-DD */
  expiryDate: string;
  issuingState: string;
  address?: string;
}

const SURNAMES = [
  'ERIKSSON',
  'MUSTERMANN',
  'DUPONT',
  'ROSSI',
  'NOVAK',
  'KOWALSKA',
  'GARCIA LOPEZ',
  'OKONKWO',
  'TANAKA',
  'VAN DER BERG',
  "O'BRIEN",
  'LINDQVIST',
  'MARTINS',
  'PETROVA',
];
const GIVEN_F = ['ANNA MARIA', 'EMMA', 'SOFIA', 'CHLOE', 'AMARA', 'YUKI', 'ELENA', 'INES', 'MAJA'];
const GIVEN_M = ['LUCAS', 'JOHN PAUL', 'MATTEO', 'KWAME', 'HIROSHI', 'ADAM', 'PIETER', 'RAFAEL', 'ERIK'];
const GIVEN_X = ['ALEX', 'SAM', 'ROBIN', 'NOA'];
/**
 * States whose ICAO MRZ code equals the ISO 3166 alpha-3 code. (ICAO's specimen state UTO is not used: MRZ parsers
 * such as the `mrz` package reject it, and the specimens must pass real parsers.)
 */
export const STATE_NAMES: Readonly<Record<string, string>> = {
  FRA: 'FRENCH REPUBLIC',
  NLD: 'KINGDOM OF THE NETHERLANDS',
  ITA: 'ITALIAN REPUBLIC',
  ESP: 'KINGDOM OF SPAIN',
  SWE: 'KINGDOM OF SWEDEN',
  NOR: 'KINGDOM OF NORWAY',
  IRL: 'IRELAND',
  PRT: 'PORTUGUESE REPUBLIC',
  CAN: 'CANADA',
  USA: 'UNITED STATES OF AMERICA',
};
const STATES = Object.keys(STATE_NAMES);
const STREETS = ['MAIN STREET', 'ELM AVENUE', 'HARBOUR ROAD', 'MILL LANE', 'STATION SQUARE', 'PARK DRIVE'];
const CITIES = ['SPECIMEN CITY', 'NORTHPORT', 'RIVERTON', 'LAKEVIEW', 'HILLSIDE'];

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A deterministic fake person; the same seed always gives the same holder. */
export function specimenHolder(seed: number = DEFAULT_SEED): Holder {
  const rng = randomFor(seed, 'holder');
  const sex = rng.pick(['F', 'M', 'F', 'M', 'X'] as const);
  const given = rng.pick(sex === 'F' ? GIVEN_F : sex === 'M' ? GIVEN_M : GIVEN_X);
  const nationality = rng.pick(STATES);
  const letters = 'CFGHJKLMNPRTVWXYZ';
  const documentNumber =
    letters[rng.int(0, letters.length - 1)]! +
    letters[rng.int(0, letters.length - 1)]! +
    String(rng.int(0, 9_999_999)).padStart(7, '0');
  return {
    surname: rng.pick(SURNAMES),
    givenNames: given,
    birthDate: isoDate(rng.int(1950, 2005), rng.int(1, 12), rng.int(1, 28)),
    sex,
    nationality,
    documentNumber,
    expiryDate: isoDate(rng.int(2028, 2036), rng.int(1, 12), rng.int(1, 28)),
    issuingState: nationality,
    address: `${rng.int(1, 240)} ${rng.pick(STREETS)}, ${String(rng.int(10000, 99999))} ${rng.pick(CITIES)}`,
  };
}

/** The holder for `seed` with the caller's overrides applied. */
export function resolveHolder(seed: number, overrides: Partial<Holder> | undefined): Holder {
  return { ...specimenHolder(seed), ...overrides };
}
