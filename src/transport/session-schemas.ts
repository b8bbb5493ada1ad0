/**
 * The widget-facing answers as `zod/mini` schemas: the same shapes as the shared full-zod schemas in
 * `src/shared/api/session.ts` and `common.ts`, which stay the single source of truth (the server validates with
 * them, the OpenAPI document comes from them). Full zod costs ≈ 10 KB gzip more in the embed bundle than mini, and
 * the widget's first screen must stay under 40 KB. `test/node/transport/session-schemas.test.ts` compares the JSON
 * Schemas of both sides, so a change to a shared schema that is not made here too fails the build.
 *
 * Only runtime-free imports from `shared/` here: importing a shared schema module would pull full zod back in.
 */
import * as z from 'zod/mini';
import type * as SharedLiveness from '../shared/api/liveness.js';
import type * as Shared from '../shared/api/session.js';
import { API_ERROR_CODES } from '../shared/error-codes.js';
import { LIVENESS_ACTIONS } from '../shared/liveness-limits.js';

const Timestamp = z.iso.datetime({ offset: true });
const CredentialCategory = z.enum(['ID', 'SELFIE', 'FACEMAP']);
const DocumentType = z.enum(['ID_CARD', 'DRIVING_LICENSE', 'PASSPORT', 'VISA']);
const CountryCode = z.string().check(z.regex(/^[A-Z]{3}$/, 'ISO 3166-1 alpha-3 country code'));
/** The workflow API's definitions, and 10090: the KYC API's returning-user authentication (selfie + liveness). */
const SessionDefinitionKey = z.union([z.literal(10011), z.literal(10013), z.literal(10090)]);
const PartClassifier = z.enum(['FRONT', 'BACK', 'FACE']);
const LivenessMode = z.enum(['passive', 'passive_active']);
const ExecutionStatus = z.enum(['INITIATED', 'ACQUIRED', 'PROCESSED', 'SESSION_EXPIRED', 'TOKEN_EXPIRED']);
const LivenessStatus = z.enum(['NOT_REQUIRED', 'REQUIRED', 'DONE', 'EXHAUSTED']);
const LivenessAction = z.enum(LIVENESS_ACTIONS);

export const ApiErrorBody = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
    issues: z.optional(z.array(z.unknown())),
  }),
});

const UploadedPart = z.object({
  credentialId: z.string(),
  classifier: PartClassifier,
  sha256: z.string(),
  mime: z.string(),
  width: z.int(),
  height: z.int(),
  bytes: z.int(),
  uploadedAt: Timestamp,
});

export const SessionResponse = z.object({
  account: z.object({ id: z.string() }),
  workflowExecution: z.object({
    id: z.string(),
    status: ExecutionStatus,
    definitionKey: SessionDefinitionKey,
  }),
  credentials: z.array(
    z.object({ id: z.string(), category: CredentialCategory, classifiers: z.array(PartClassifier) }),
  ),
  document: z.object({
    allowedTypes: z.array(DocumentType),
    allowedCountries: z.nullable(z.array(CountryCode)),
    chosen: z.nullable(z.object({ type: DocumentType, country: CountryCode })),
  }),
  liveness: z.object({ mode: LivenessMode, status: LivenessStatus }),
  locale: z.string(),
  web: z.object({ successUrl: z.optional(z.url()), errorUrl: z.optional(z.url()) }),
  consent: z.object({ given: z.boolean(), version: z.optional(z.string()), at: z.optional(Timestamp) }),
  parts: z.array(UploadedPart),
  expiresAt: Timestamp,
  tokenExpiresAt: Timestamp,
  links: z.object({
    session: z.url(),
    consent: z.url(),
    document: z.url(),
    captureMetadata: z.url(),
    finalize: z.url(),
    liveness: z.optional(z.url()),
    parts: z.array(z.object({ credentialId: z.string(), classifier: PartClassifier, href: z.url() })),
  }),
});

export const ConsentResponse = z.object({
  consent: z.object({ given: z.boolean(), version: z.optional(z.string()), at: Timestamp }),
});

export const DocumentSelectionResponse = z.object({
  document: z.object({ type: DocumentType, country: CountryCode }),
});

export const CaptureMetadataResponse = z.object({ captureMetadata: z.object({ receivedAt: Timestamp }) });

export const PartUploadResponse = z.object({ part: UploadedPart });

export const FinalizeResponse = z.object({
  account: z.object({ id: z.string() }),
  workflowExecution: z.object({ id: z.string(), status: ExecutionStatus, acquiredAt: Timestamp }),
});

export const LivenessChallengeResponse = z.object({
  challenge: z.object({
    id: z.string(),
    mode: LivenessMode,
    nonce: z.string(),
    actions: z.array(LivenessAction),
    burstFrames: z.optional(z.int().check(z.positive())),
    issuedAt: Timestamp,
    expiresAt: Timestamp,
    attemptsLeft: z.int().check(z.minimum(0)),
    links: z.object({ frames: z.url(), complete: z.url() }),
  }),
});

export const LivenessFrameResponse = z.object({
  frame: z.object({ index: z.int(), sha256: z.string(), bytes: z.int() }),
});

export const LivenessCompleteResponse = z.object({
  liveness: z.object({
    status: z.enum(['DONE', 'RETRY', 'EXHAUSTED']),
    attemptsLeft: z.int().check(z.minimum(0)),
  }),
});

/** Compile-time half of the contract: each mini schema parses to exactly the shared type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;
export type SessionSchemasMatchShared = [
  Expect<Same<z.infer<typeof SessionResponse>, Shared.SessionResponse>>,
  Expect<Same<z.infer<typeof ConsentResponse>, Shared.ConsentResponse>>,
  Expect<Same<z.infer<typeof DocumentSelectionResponse>, Shared.DocumentSelectionResponse>>,
  Expect<Same<z.infer<typeof PartUploadResponse>, Shared.PartUploadResponse>>,
  Expect<Same<z.infer<typeof FinalizeResponse>, Shared.FinalizeResponse>>,
  Expect<Same<z.infer<typeof LivenessChallengeResponse>, SharedLiveness.LivenessChallengeResponse>>,
  Expect<Same<z.infer<typeof LivenessFrameResponse>, SharedLiveness.LivenessFrameResponse>>,
  Expect<Same<z.infer<typeof LivenessCompleteResponse>, SharedLiveness.LivenessCompleteResponse>>,
];
