/**
 * Request and response schemas of the KYC API's IDV admin operations and SDK steps (docs/kyc-api.md). Bodies are
 * snake_case and strict (an unknown field is 400 UNKNOWN_FIELD, as everywhere in this API).
 */
import { z } from 'zod';
import { CountryCode, DecisionType, LivenessMode, Timestamp } from '../../shared/api/index.js';

export const SessionId = z
  .string()
  .min(1)
  .max(64)
  .meta({ description: 'The session id (= the workflow execution id)' });

/** What happened to a session and when, derived from its timestamps. */
export const KycHistory = z.array(z.object({ event: z.string(), at: Timestamp }));

/** The document types of the KYC API's SDK (`unknown`: the user did not say; the server classifies). */
export const KYC_DOC_TYPES = [
  'unknown',
  'driver_license',
  'identification_card',
  'passport',
  'passport_card',
] as const;
export const KycDocType = z.enum(KYC_DOC_TYPES).meta({ id: 'KycDocType' });
export type KycDocType = z.infer<typeof KycDocType>;

/** Customer metadata: a flat-or-nested JSON object, ≤ 64 keys at the top. */
const Metadata = z.record(z.string().min(1).max(64), z.unknown()).refine((m) => Object.keys(m).length <= 64, {
  message: 'at most 64 keys',
});

export const KycSessionSettings = z
  .strictObject({
    document_types: z
      .array(KycDocType.exclude(['unknown']))
      .min(1)
      .optional(),
    countries: z.array(CountryCode).min(1).optional(),
    screening: z.boolean().optional(),
    minimum_age: z.number().int().min(1).max(125).optional(),
    locale: z.string().min(2).max(35).optional(),
    success_url: z.url().max(2048).optional(),
    error_url: z.url().max(2048).optional(),
  })
  .meta({ id: 'KycSessionSettings' });
export type KycSessionSettings = z.infer<typeof KycSessionSettings>;

export const KycSessionCreateRequest = z
  .strictObject({
    user_id: z.string().min(1).max(100).optional(),
    identity_id: z.string().min(1).max(64).optional(),
    metadata: Metadata.optional(),
    liveness_mode: LivenessMode.optional(),
    webhook_url: z.url().max(2048).optional(),
    settings: KycSessionSettings.optional(),
    customer_reference: z.string().min(1).max(100).optional(),
  })
  .meta({ id: 'KycSessionCreateRequest' });
export type KycSessionCreateRequest = z.infer<typeof KycSessionCreateRequest>;

export const KycSessionCreateResponse = z
  .object({
    session_id: z.string(),
    session_token: z.string(),
    client_id: z.string(),
    status: z.literal('created'),
    url: z.url(),
    expires_at: Timestamp,
    kind: z.literal('idv'),
  })
  .meta({ id: 'KycSessionCreateResponse' });

export const KYC_SESSION_STATUSES = [
  'created',
  'in_progress',
  'processing',
  'completed',
  'expired',
  'anonymized',
] as const;
export const KycSessionStatus = z.enum(KYC_SESSION_STATUSES).meta({ id: 'KycSessionStatus' });
export type KycSessionStatus = z.infer<typeof KycSessionStatus>;

export const KycDecision = z
  .object({ type: DecisionType, label: z.string(), capability: z.string().optional() })
  .meta({ id: 'KycDecision' });
export type KycDecision = z.infer<typeof KycDecision>;

const nullableString = z.string().nullable();

/** The holder as the document gave them: in the session record and in document read. */
const personShape = {
  document_type: KycDocType.nullable(),
  issuing_country: nullableString,
  first_name: nullableString,
  last_name: nullableString,
  full_name: nullableString,
  birth_date: nullableString,
  gender: nullableString,
  nationality: nullableString,
  document_number: nullableString,
  expiry_date: nullableString,
};

export const KycSession = z
  .object({
    session_id: z.string(),
    kind: z.literal('idv'),
    client_id: z.string(),
    user_id: nullableString,
    identity_id: nullableString,
    status: KycSessionStatus,
    liveness_mode: LivenessMode,
    metadata: z.record(z.string(), z.unknown()).nullable(),
    webhook_url: nullableString,
    settings: z.record(z.string(), z.unknown()).nullable(),
    ...personShape,
    consent_given_at: Timestamp.nullable(),
    document_type_given_at: Timestamp.nullable(),
    front_image_given_at: Timestamp.nullable(),
    back_image_given_at: Timestamp.nullable(),
    selfie_image_given_at: Timestamp.nullable(),
    liveness_given_at: Timestamp.nullable(),
    finalized_at: Timestamp.nullable(),
    completed_at: Timestamp.nullable(),
    created_at: Timestamp,
    expires_at: Timestamp,
    verified: z
      .boolean()
      .nullable()
      .meta({ description: 'true only when the decision is PASSED; null before' }),
    score: z.number().nullable().meta({ description: '100 − the decision’s risk score' }),
    decision: KycDecision.nullable(),
    on_sanction_list: z.boolean().nullable(),
    on_sanction_list_reason: nullableString,
    idv_weights_id: nullableString,
    history: KycHistory,
  })
  .meta({ id: 'KycSession' });
export type KycSession = z.infer<typeof KycSession>;

export const KycSessionSummary = z
  .object({
    session_id: z.string(),
    kind: z.literal('idv'),
    status: KycSessionStatus,
    user_id: nullableString,
    identity_id: nullableString,
    metadata: z.record(z.string(), z.unknown()).nullable(),
    document_type: KycDocType.nullable(),
    verified: z.boolean().nullable(),
    decision: KycDecision.nullable(),
    created_at: Timestamp,
    completed_at: Timestamp.nullable(),
  })
  .meta({ id: 'KycSessionSummary' });
export type KycSessionSummary = z.infer<typeof KycSessionSummary>;

/** Metadata filter values are compared as JSON scalars; keys are plain names (they become a JSON path). */
const MetadataFilter = z.record(
  z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  z.union([z.string().max(256), z.number(), z.boolean()]),
);

export const KycSessionListRequest = z
  .strictObject({
    take: z.number().int().min(1).max(100).optional(),
    skip: z.number().int().min(0).optional(),
    search_term: z.string().min(1).max(100).optional(),
    date_from: Timestamp.optional(),
    date_to: Timestamp.optional(),
    metadata: MetadataFilter.optional(),
    identity_id: z.string().min(1).max(64).optional(),
    status: KycSessionStatus.optional(),
    client_id: z.string().min(1).max(128).optional(),
    user_id: z.string().min(1).max(100).optional(),
  })
  .meta({ id: 'KycSessionListRequest' });
export type KycSessionListRequest = z.infer<typeof KycSessionListRequest>;

/** Sessions per status (the list's `meta_counts`, over its filters but every status). */
export const KycStatusCounts = z.object({
  created: z.number().int(),
  in_progress: z.number().int(),
  processing: z.number().int(),
  completed: z.number().int(),
  expired: z.number().int(),
  anonymized: z.number().int(),
});

export const KycMetaCounts = KycStatusCounts.extend({
  verified: z.number().int(),
  not_verified: z.number().int(),
}).meta({ id: 'KycMetaCounts' });
export type KycMetaCounts = z.infer<typeof KycMetaCounts>;

export const KycSessionList = z
  .object({
    items: z.array(KycSessionSummary),
    total: z.number().int(),
    take: z.number().int(),
    skip: z.number().int(),
    meta_counts: KycMetaCounts.meta({
      description: 'Per status (and verdict) over the filtered sessions, before status',
    }),
  })
  .meta({ id: 'KycSessionList' });
export type KycSessionList = z.infer<typeof KycSessionList>;

export const SessionRequest = z.strictObject({ session_id: SessionId }).meta({ id: 'KycSessionRequest' });

export const KycAnonymizeResponse = z
  .object({ session_id: z.string(), anonymized_at: Timestamp })
  .meta({ id: 'KycAnonymizeResponse' });
export const KycDeleteResponse = z
  .object({ session_id: z.string(), deleted: z.literal(true) })
  .meta({ id: 'KycDeleteResponse' });

const LatLng = z.object({ latitude: z.number(), longitude: z.number() });
export type LatLng = z.infer<typeof LatLng>;
export const ImageLocations = z.object({
  front: LatLng.optional(),
  back: LatLng.optional(),
  selfie: LatLng.optional(),
});
export type ImageLocations = z.infer<typeof ImageLocations>;

export const KycLocation = z
  .object({
    session_id: z.string(),
    ip_address: nullableString,
    ip_version: z.union([z.literal(4), z.literal(6)]).nullable(),
    is_private: z.boolean().nullable(),
    country_code: z.null(),
    region: z.null(),
    city: z.null(),
    latitude: z.null(),
    longitude: z.null(),
    isp: z.null(),
    unavailable_reason: z.literal('NO_GEOIP_DATABASE').meta({
      description:
        'No third-party lookup is made and no GeoIP database ships: the geographic fields stay null',
    }),
    image_locations: ImageLocations,
  })
  .meta({ id: 'KycLocation' });

export const FIELD_SOURCES = ['MRZ', 'BARCODE', 'VIZ'] as const;
export const KycDocumentData = z
  .object({
    session_id: z.string(),
    ...personShape,
    personal_number: nullableString,
    issue_date: nullableString,
    address: nullableString,
    fields: z.record(z.string(), z.object({ value: z.string(), source: z.enum(FIELD_SOURCES).nullable() })),
  })
  .meta({ id: 'KycDocumentData' });
export type KycDocumentData = z.infer<typeof KycDocumentData>;

export const STORAGE_FILE_TYPES = ['document_front', 'document_back', 'selfie', 'liveness_frame'] as const;
export const StorageFileType = z.enum(STORAGE_FILE_TYPES).meta({ id: 'KycStorageFileType' });
export type StorageFileType = z.infer<typeof StorageFileType>;

export const KycFileList = z
  .object({
    items: z.array(
      z.object({
        file_id: z.string(),
        storage_file_type: StorageFileType,
        mime: z.string(),
        bytes: z.number().int(),
        sha256: z.string(),
        created_at: Timestamp,
      }),
    ),
  })
  .meta({ id: 'KycFileList' });
export type KycFileList = z.infer<typeof KycFileList>;

export const KycFileRequest = z
  .strictObject({ session_id: SessionId, file_id: z.string().min(1).max(64) })
  .meta({ id: 'KycFileRequest' });

export const KYC_TEST_RESULTS = ['passed', 'failed', 'warning', 'not_executed'] as const;
export const KycTests = z
  .object({
    session_id: z.string(),
    tests: z.record(z.string(), z.object({ result: z.enum(KYC_TEST_RESULTS), label: z.string() })).meta({
      description:
        'Only the checks this server performed; a check it does not perform is absent, never false',
    }),
  })
  .meta({ id: 'KycTests' });
export type KycTests = z.infer<typeof KycTests>;

// SDK steps

export const SdkStepState = z.enum(['done', 'pending', 'not_required']);
export type SdkStepState = z.infer<typeof SdkStepState>;

export const KycSdkSession = z
  .object({
    session_id: z.string(),
    kind: z.enum(['idv', 'ida']),
    status: KycSessionStatus,
    steps: z.object({
      consent: SdkStepState,
      document_type: SdkStepState,
      front_image: SdkStepState,
      back_image: SdkStepState,
      selfie_image: SdkStepState,
      liveness: SdkStepState,
    }),
    expires_at: Timestamp,
  })
  .meta({ id: 'KycSdkSession' });
export type KycSdkSession = z.infer<typeof KycSdkSession>;

export const SdkMetadataRequest = z
  .strictObject({ session_id: SessionId, metadata: Metadata })
  .meta({ id: 'KycSdkMetadataRequest' });

export const SdkConsentRequest = z
  .strictObject({
    session_id: SessionId,
    consent: z.literal(true),
    consent_version: z.string().max(64).optional(),
  })
  .meta({ id: 'KycSdkConsentRequest' });
export const SdkConsentResponse = z
  .object({ session_id: z.string(), consent_given_at: Timestamp })
  .meta({ id: 'KycSdkConsentResponse' });

export const SdkDocumentTypeRequest = z
  .strictObject({ session_id: SessionId, document_type: KycDocType, issuing_country: CountryCode.optional() })
  .meta({ id: 'KycSdkDocumentTypeRequest' });
export const SdkDocumentTypeResponse = z
  .object({ session_id: z.string(), document_type: KycDocType, document_type_given_at: Timestamp })
  .meta({ id: 'KycSdkDocumentTypeResponse' });

export const SdkImageForm = z.object({
  session_id: SessionId,
  file: z.string().meta({ format: 'binary', description: 'JPEG or PNG (PDF for the document)' }),
  latitude: z.string().optional().meta({ description: 'Decimal degrees, −90…90' }),
  longitude: z.string().optional().meta({ description: 'Decimal degrees, −180…180' }),
});
export const SdkImageResponse = z
  .object({
    session_id: z.string(),
    file_id: z.string(),
    storage_file_type: StorageFileType,
    front_image_given_at: Timestamp.optional(),
    back_image_given_at: Timestamp.optional(),
    selfie_image_given_at: Timestamp.optional(),
  })
  .meta({ id: 'KycSdkImageResponse' });

export const SdkLivenessSession = z
  .object({
    session_id: z.string(),
    liveness_session_id: z.string(),
    mode: LivenessMode,
    nonce: z.string(),
    actions: z.array(z.string()),
    burst_frames: z.number().int().nullable(),
    expires_at: Timestamp,
  })
  .meta({ id: 'KycSdkLivenessSession' });

export const SdkLivenessForm = z.object({
  session_id: SessionId,
  liveness_session_id: z.string(),
  meta: z.string().meta({ description: 'JSON array of LivenessFrameMeta, one per file, in order' }),
  file: z
    .array(z.string().meta({ format: 'binary' }))
    .meta({ description: 'The frames (JPEG ≤ 80 KB each), repeated' }),
});
export const SdkLivenessResult = z
  .object({
    session_id: z.string(),
    liveness_session_id: z.string(),
    status: z.enum(['DONE', 'RETRY', 'EXHAUSTED']),
    attempts_left: z.number().int(),
  })
  .meta({ id: 'KycSdkLivenessResult' });

export const SdkFinalizeIdv = z
  .object({
    session_id: z.string(),
    status: KycSessionStatus,
    verified: z.boolean().nullable(),
    on_sanction_list: z.boolean().nullable(),
    on_sanction_list_reason: nullableString,
    decision: KycDecision.nullable(),
  })
  .meta({ id: 'KycSdkFinalizeIdv' });
export const SdkFinalizeIda = z
  .object({
    session_id: z.string(),
    status: KycSessionStatus,
    authenticated: z.boolean().nullable(),
    reason: nullableString,
    decision: KycDecision.nullable(),
  })
  .meta({ id: 'KycSdkFinalizeIda' });
