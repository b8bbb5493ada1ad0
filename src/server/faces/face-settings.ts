/**
 * A client's face-match threshold (the KYC seed's `onboarding_face_encoding_tolerance`): a descriptor distance in
 * `FACE_MATCH_THRESHOLD_RANGE`, stored in `clients.face_match_threshold` (null = the calibrated default). Stricter
 * (lower) trades more honest holders asked to retake for fewer false matches; docs/face-match-calibration.md has the
 * FMR / FNMR of each value on real pairs.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import {
  DEFAULT_FACE_MATCH_THRESHOLD,
  FACE_MATCH_THRESHOLD_RANGE,
  type FaceMatchSettings,
} from './face-match.js';

export class FaceSettingsError extends Error {
  override readonly name = 'FaceSettingsError';
  readonly code = 'INVALID_FACE_MATCH_THRESHOLD';
}

/** The client's settings, the default for a client without its own threshold (or an unknown client). */
export async function clientFaceMatchSettings(
  db: Kysely<Database>,
  clientId: string,
): Promise<FaceMatchSettings> {
  const row = await db
    .selectFrom('clients')
    .select(['face_match_threshold'])
    .where('id', '=', clientId)
    .executeTakeFirst();
  return { threshold: row?.face_match_threshold ?? DEFAULT_FACE_MATCH_THRESHOLD };
}

/** Sets (or with `null` clears) the client's own threshold; outside the range → `INVALID_FACE_MATCH_THRESHOLD`. */
export async function setClientFaceMatchThreshold(
  db: Kysely<Database>,
  clientId: string,
  threshold: number | null,
): Promise<void> {
  const { min, max } = FACE_MATCH_THRESHOLD_RANGE;
  if (threshold !== null && !(Number.isFinite(threshold) && threshold >= min && threshold <= max)) {
    throw new FaceSettingsError(`face match threshold must be a distance from ${min} to ${max}`);
  }
  await db
    .updateTable('clients')
    .set({ face_match_threshold: threshold })
    .where('id', '=', clientId)
    .execute();
}
