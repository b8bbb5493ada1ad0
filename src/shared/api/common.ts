/** Building blocks shared by every API schema: error body, ids, timestamps, enums of the workflow model. */
import { z } from 'zod';
import { API_ERROR_CODES } from '../error-codes.js';

export const ApiErrorBody = z
  .object({
    error: z.object({
      code: z.enum(API_ERROR_CODES),
      message: z.string(),
      issues: z.array(z.unknown()).optional(),
    }),
  })
  .meta({ id: 'ApiError' });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export const Timestamp = z.iso.datetime({ offset: true });

export const CREDENTIAL_CATEGORIES = ['ID', 'SELFIE', 'FACEMAP'] as const;
export const CredentialCategory = z.enum(CREDENTIAL_CATEGORIES);
export type CredentialCategory = z.infer<typeof CredentialCategory>;

export const DOCUMENT_TYPES = ['ID_CARD', 'DRIVING_LICENSE', 'PASSPORT', 'VISA'] as const;
export const DocumentType = z.enum(DOCUMENT_TYPES);
export type DocumentType = z.infer<typeof DocumentType>;

/** ISO 3166-1 alpha-3, upper case (`USA`, `DEU`). */
export const CountryCode = z.string().regex(/^[A-Z]{3}$/, 'ISO 3166-1 alpha-3 country code');

/** 10011: ID + identity verification (selfie); 10013: ID + selfie + liveness + checks. */
export const WORKFLOW_DEFINITION_KEYS = [10011, 10013] as const;
export const WorkflowDefinitionKey = z.union([z.literal(10011), z.literal(10013)]);
export type WorkflowDefinitionKey = z.infer<typeof WorkflowDefinitionKey>;
/**
 * What an execution can be: the workflow API's definitions, and 10090, the KYC API's returning-user authentication
 * (selfie + liveness against an identity; never created or shown by the workflow API).
 */
export const SessionDefinitionKey = z.union([z.literal(10011), z.literal(10013), z.literal(10090)]);
export type SessionDefinitionKey = z.infer<typeof SessionDefinitionKey>;

export const PART_CLASSIFIERS = ['FRONT', 'BACK', 'FACE'] as const;
export const PartClassifier = z.enum(PART_CLASSIFIERS);
export type PartClassifier = z.infer<typeof PartClassifier>;

export const LIVENESS_MODES = ['passive', 'passive_active'] as const;
export const LivenessMode = z.enum(LIVENESS_MODES);
export type LivenessMode = z.infer<typeof LivenessMode>;

export const EXECUTION_STATUSES = [
  'INITIATED',
  'ACQUIRED',
  'PROCESSED',
  'SESSION_EXPIRED',
  'TOKEN_EXPIRED',
] as const;
export const ExecutionStatus = z.enum(EXECUTION_STATUSES);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

export const DECISION_TYPES = ['PASSED', 'REJECTED', 'WARNING', 'NOT_EXECUTED'] as const;
export const DecisionType = z.enum(DECISION_TYPES);
export type DecisionType = z.infer<typeof DecisionType>;

export const CHANNELS = ['WEB', 'API', 'SDK'] as const;
