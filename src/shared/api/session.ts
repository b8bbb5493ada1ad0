/** Widget-facing endpoints (Bearer = workflow token): session, consent, document choice, capture metadata, parts, finalize. */
import { z } from 'zod';
import {
  CountryCode,
  CredentialCategory,
  DocumentType,
  ExecutionStatus,
  LivenessMode,
  PartClassifier,
  SessionDefinitionKey,
  Timestamp,
} from './common.js';
import { LivenessStatus } from './liveness.js';

export const UploadedPart = z
  .object({
    credentialId: z.string(),
    classifier: PartClassifier,
    sha256: z.string(),
    mime: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    bytes: z.number().int(),
    uploadedAt: Timestamp,
  })
  .meta({ id: 'UploadedPart' });
export type UploadedPart = z.infer<typeof UploadedPart>;

export const SessionResponse = z
  .object({
    account: z.object({ id: z.string() }),
    workflowExecution: z.object({
      id: z.string(),
      status: ExecutionStatus,
      definitionKey: SessionDefinitionKey,
    }),
    credentials: z.array(
      z.object({
        id: z.string(),
        category: CredentialCategory,
        /** Classifiers this credential accepts (the widget captures these). */
        classifiers: z.array(PartClassifier),
      }),
    ),
    document: z.object({
      allowedTypes: z.array(DocumentType),
      /** null: any country. */
      allowedCountries: z.array(CountryCode).nullable(),
      chosen: z.object({ type: DocumentType, country: CountryCode }).nullable(),
    }),
    liveness: z.object({
      mode: LivenessMode,
      /** Whether this session has a liveness step and whether it is done (see `liveness.ts`). */
      status: LivenessStatus,
    }),
    locale: z.string(),
    web: z.object({ successUrl: z.url().optional(), errorUrl: z.url().optional() }),
    consent: z.object({ given: z.boolean(), version: z.string().optional(), at: Timestamp.optional() }),
    parts: z.array(UploadedPart),
    /** When this session ends at the latest: the token lifetime or the inactivity timeout, whichever comes first. */
    expiresAt: Timestamp,
    tokenExpiresAt: Timestamp,
    links: z.object({
      session: z.url(),
      consent: z.url(),
      document: z.url(),
      captureMetadata: z.url(),
      finalize: z.url(),
      /** `POST` here for a liveness challenge (present when `liveness.status` is not `NOT_REQUIRED`). */
      liveness: z.url().optional(),
      parts: z.array(z.object({ credentialId: z.string(), classifier: PartClassifier, href: z.url() })),
    }),
  })
  .meta({ id: 'Session' });
export type SessionResponse = z.infer<typeof SessionResponse>;

export const ConsentRequest = z
  .strictObject({ accepted: z.boolean(), version: z.string().min(1).max(64).optional() })
  .meta({ id: 'ConsentRequest' });
export type ConsentRequest = z.infer<typeof ConsentRequest>;

export const ConsentResponse = z
  .object({ consent: z.object({ given: z.boolean(), version: z.string().optional(), at: Timestamp }) })
  .meta({ id: 'ConsentResponse' });
export type ConsentResponse = z.infer<typeof ConsentResponse>;

export const DocumentSelectionRequest = z
  .strictObject({ type: DocumentType, country: CountryCode })
  .meta({ id: 'DocumentSelectionRequest' });
export type DocumentSelectionRequest = z.infer<typeof DocumentSelectionRequest>;

export const DocumentSelectionResponse = z
  .object({ document: z.object({ type: DocumentType, country: CountryCode }) })
  .meta({ id: 'DocumentSelectionResponse' });
export type DocumentSelectionResponse = z.infer<typeof DocumentSelectionResponse>;

export const CAPTURE_METHODS = ['auto', 'manual', 'upload'] as const;

/** What the device saw while capturing (no images): stored as JSON, shown in retrieval, wiped with the PII. */
export const CaptureMetadataRequest = z
  .strictObject({
    userAgent: z.string().max(512).optional(),
    locale: z.string().max(35).optional(),
    parts: z
      .array(
        z.strictObject({
          credentialId: z.string().max(64).optional(),
          classifier: PartClassifier,
          method: z.enum(CAPTURE_METHODS),
          qualityReasons: z.array(z.string().max(64)).max(32).optional(),
          attempts: z.number().int().min(0).max(1000).optional(),
          width: z.number().int().positive().max(20000).optional(),
          height: z.number().int().positive().max(20000).optional(),
        }),
      )
      .max(16)
      .optional(),
    timings: z.record(z.string().max(64), z.number().nonnegative()).optional(),
  })
  .meta({ id: 'CaptureMetadataRequest' });
export type CaptureMetadataRequest = z.infer<typeof CaptureMetadataRequest>;

export const CaptureMetadataResponse = z
  .object({ captureMetadata: z.object({ receivedAt: Timestamp }) })
  .meta({ id: 'CaptureMetadataResponse' });

export const PartUploadResponse = z.object({ part: UploadedPart }).meta({ id: 'PartUploadResponse' });
export type PartUploadResponse = z.infer<typeof PartUploadResponse>;

export const FinalizeResponse = z
  .object({
    account: z.object({ id: z.string() }),
    workflowExecution: z.object({ id: z.string(), status: ExecutionStatus, acquiredAt: Timestamp }),
  })
  .meta({ id: 'FinalizeResponse' });
export type FinalizeResponse = z.infer<typeof FinalizeResponse>;

/** `issues` of a 422 `MISSING_PARTS` answer: one entry per missing piece. */
export const MissingPart = z.object({
  credentialId: z.string(),
  category: CredentialCategory,
  classifier: PartClassifier,
});
export type MissingPart = z.infer<typeof MissingPart>;
