/**
 * The KYC API's requirements (issue #16): which extracted fields must be present, per document type and data
 * source, per client and optionally per user of the client. The data checks read them (pipeline/data-checks.ts):
 * a required field that was not read (from that source) makes the result `WARNING REQUIRED_FIELD_MISSING`, so a
 * session is never PASSED without it.
 *
 * Resolution for one document type: for each data source, the user's row, else the client's row, else the default
 * (every type, source `any`: first_name, last_name, birth_date, document_number). One row per (client, user,
 * type, source); an update replaces it.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import type { IdentityFields } from '../documents/identity.js';
import type { RequiredFieldRule } from '../pipeline/types.js';
import { KYC_DOCUMENT_TYPE } from './decided-session.js';
import { KYC_DOC_TYPES, type KycDocType } from './session-schemas.js';
import { kycDb } from './tables.js';

/** The KYC API's document types (`document_type` of the SDK step and of requirements): one list, the SDK's. */
export const KYC_DOCUMENT_TYPES = KYC_DOC_TYPES;
export type KycDocumentType = KycDocType;

export const REQUIREMENT_SOURCES = ['mrz', 'barcode', 'viz', 'any'] as const;
export type RequirementSource = (typeof REQUIREMENT_SOURCES)[number];

/** Requirement field names (the KYC API's) → the pipeline's identity field each one is. */
export const REQUIRABLE_FIELDS = {
  first_name: 'firstName',
  last_name: 'lastName',
  birth_date: 'dateOfBirth',
  document_number: 'documentNumber',
  expiry_date: 'expiryDate',
  issuing_country: 'issuingCountry',
  nationality: 'nationality',
  gender: 'gender',
  address: 'address',
  personal_number: 'personalNumber',
} as const satisfies Record<string, keyof IdentityFields>;
export type RequirableField = keyof typeof REQUIRABLE_FIELDS;
const FIELD_NAMES = Object.keys(REQUIRABLE_FIELDS) as [RequirableField, ...RequirableField[]];

export const DEFAULT_REQUIRED_FIELDS: readonly RequirableField[] = [
  'first_name',
  'last_name',
  'birth_date',
  'document_number',
];

export const KycRequirement = z
  .object({
    document_type: z.enum(KYC_DOCUMENT_TYPES),
    data_source: z.enum(REQUIREMENT_SOURCES),
    required_fields: z.array(z.enum(FIELD_NAMES)),
    user_id: z.string().nullable(),
    is_default: z.boolean(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'KycRequirement' });
export type KycRequirement = z.infer<typeof KycRequirement>;

/** The KYC document type of a session: the one the SDK chose, else the workflow API's chosen type, else unknown. */
export function kycDocumentTypeOf(
  kycType: string | null | undefined,
  engineType: string | null | undefined,
): KycDocumentType {
  if (kycType && kycType !== 'unknown' && (KYC_DOCUMENT_TYPES as readonly string[]).includes(kycType))
    return kycType as KycDocumentType;
  return (engineType && KYC_DOCUMENT_TYPE[engineType]) || 'unknown';
}

type RequirementRow = {
  id: string;
  client_id: string;
  user_id: string | null;
  document_type: string;
  data_source: string;
  required_fields: string;
  updated_at: string;
};

function fromRow(row: RequirementRow): KycRequirement {
  return {
    document_type: row.document_type as KycDocumentType,
    data_source: row.data_source as RequirementSource,
    required_fields: JSON.parse(row.required_fields) as RequirableField[],
    user_id: row.user_id,
    is_default: false,
    updated_at: row.updated_at,
  };
}

const defaultRequirement = (documentType: KycDocumentType): KycRequirement => ({
  document_type: documentType,
  data_source: 'any',
  required_fields: [...DEFAULT_REQUIRED_FIELDS],
  user_id: null,
  is_default: true,
  updated_at: null,
});

/** The requirements in force for each document type (or one): per source, user's row > client's row > default. */
export async function readRequirements(
  ctx: ServerContext,
  clientId: string,
  userId: string | null,
  documentType?: KycDocumentType,
): Promise<KycRequirement[]> {
  let query = kycDb(ctx)
    .selectFrom('kyc_requirements')
    .selectAll()
    .where('client_id', '=', clientId)
    .where((eb) =>
      userId === null
        ? eb('user_id', 'is', null)
        : eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)]),
    );
  if (documentType) query = query.where('document_type', '=', documentType);
  const rows = await query.execute();
  const items: KycRequirement[] = [];
  for (const type of documentType ? [documentType] : KYC_DOCUMENT_TYPES) {
    for (const source of REQUIREMENT_SOURCES) {
      const of = rows.filter((r) => r.document_type === type && r.data_source === source);
      const row = of.find((r) => r.user_id !== null) ?? of.find((r) => r.user_id === null);
      if (row) items.push(fromRow(row));
      else if (source === 'any') items.push(defaultRequirement(type));
    }
  }
  return items;
}

/** Stores (replaces) the requirement of one type and source for the client or one of its users. */
export async function updateRequirement(
  ctx: ServerContext,
  clientId: string,
  userId: string | null,
  documentType: KycDocumentType,
  dataSource: RequirementSource,
  requiredFields: readonly RequirableField[],
): Promise<KycRequirement> {
  const db = kycDb(ctx);
  const fields = [...new Set(requiredFields)];
  const updatedAt = ctx.clock.now().toISOString();
  const row: RequirementRow = {
    id: randomUUID(),
    client_id: clientId,
    user_id: userId,
    document_type: documentType,
    data_source: dataSource,
    required_fields: JSON.stringify(fields),
    updated_at: updatedAt,
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('kyc_requirements')
      .where('client_id', '=', clientId)
      .where('user_id', userId === null ? 'is' : '=', userId)
      .where('document_type', '=', documentType)
      .where('data_source', '=', dataSource)
      .execute();
    await trx.insertInto('kyc_requirements').values(row).execute();
  });
  return fromRow(row);
}

/** The rules the data checks apply to a session's document (pipeline field names, sources in the pipeline's case). */
export async function requiredFieldRules(
  ctx: ServerContext,
  clientId: string,
  userId: string | null,
  documentType: KycDocumentType,
): Promise<RequiredFieldRule[]> {
  const items = await readRequirements(ctx, clientId, userId, documentType);
  return items
    .filter((item) => item.required_fields.length > 0)
    .map((item) => ({
      source: item.data_source.toUpperCase() as RequiredFieldRule['source'],
      fields: item.required_fields.map((name) => ({ name, field: REQUIRABLE_FIELDS[name] })),
    }));
}
