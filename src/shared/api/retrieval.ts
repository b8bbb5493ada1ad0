/** Retrieval (Jumio Retrieval-style, OAuth bearer): details, status, list, and the callback payload. */
import { z } from 'zod';
import {
  CountryCode,
  CredentialCategory,
  DecisionType,
  DocumentType,
  EXECUTION_STATUSES,
  ExecutionStatus,
  PartClassifier,
  Timestamp,
  SessionDefinitionKey,
  WorkflowDefinitionKey,
} from './common.js';
import { DecisionRule, ExecutionStep, Feedback, UserConsent } from './workflow.js';

/** One part the decision was made on: retrieval serves exactly these bytes (same sha256) and no other. */
export const DecisionPart = z
  .object({ credentialId: z.string(), classifier: PartClassifier, sha256: z.string() })
  .meta({ id: 'DecisionPart' });
export type DecisionPart = z.infer<typeof DecisionPart>;

/**
 * What retrieval reports: the lifecycle status, or `WIPED_OUT` once the execution's PII was deleted (the decision
 * stays for the audit trail, the evidence is gone).
 */
export const RetrievalStatus = z.enum([...EXECUTION_STATUSES, 'WIPED_OUT']).meta({ id: 'RetrievalStatus' });
export type RetrievalStatus = z.infer<typeof RetrievalStatus>;

export const Decision = z
  .object({
    type: DecisionType,
    details: z.object({
      label: z.string(),
      capability: z
        .string()
        .optional()
        .meta({ description: 'The capability whose result set the label (absent when PASSED).' }),
    }),
    risk: z.object({ score: z.number() }),
    parts: z.array(DecisionPart).optional().meta({
      description: 'The parts decided on, by sha256 (absent on decisions made before it was recorded).',
    }),
  })
  .meta({ id: 'Decision' });
export type Decision = z.infer<typeof Decision>;

export const CapabilityResult = z
  .object({
    id: z.string(),
    credentials: z.array(z.object({ id: z.string(), category: z.string() })),
    decision: z.object({ type: DecisionType, details: z.object({ label: z.string() }) }),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'CapabilityResult' });
export type CapabilityResult = z.infer<typeof CapabilityResult>;

/** How the widget captured each part (from its capture metadata): auto or manual capture, or a file upload. */
export const CaptureClient = z
  .object({
    userAgent: z.string().optional(),
    locale: z.string().optional(),
    receivedAt: Timestamp.optional(),
    parts: z.array(
      z.object({
        credentialId: z.string().optional(),
        classifier: PartClassifier,
        captureMode: z.enum(['AUTO_CAPTURE', 'MANUAL_CAPTURE', 'FILE_UPLOAD']),
        attempts: z.number().int().optional(),
        qualityReasons: z.array(z.string()).optional(),
        width: z.number().int().optional(),
        height: z.number().int().optional(),
      }),
    ),
    timings: z.record(z.string(), z.number()).optional(),
  })
  .meta({ id: 'CaptureClient' });
export type CaptureClient = z.infer<typeof CaptureClient>;

export const ExecutionDetails = z
  .object({
    workflow: z.object({
      id: z.string(),
      status: RetrievalStatus,
      definitionKey: WorkflowDefinitionKey,
      userReference: z.string().nullable(),
      customerInternalReference: z.string().nullable(),
    }),
    account: z.object({ id: z.string(), href: z.url() }),
    createdAt: Timestamp,
    startedAt: Timestamp.nullable(),
    acquiredAt: Timestamp.nullable(),
    completedAt: Timestamp.nullable(),
    wipedOutAt: Timestamp.nullable(),
    document: z.object({ type: DocumentType, country: CountryCode }).nullable(),
    credentials: z.array(
      z.object({
        id: z.string(),
        category: CredentialCategory,
        parts: z.array(
          z.object({ classifier: PartClassifier, href: z.url(), mime: z.string(), sha256: z.string() }),
        ),
      }),
    ),
    decision: Decision.nullable(),
    capabilities: z.record(z.string(), z.array(CapabilityResult)),
    steps: z.array(ExecutionStep).meta({ description: 'What happened when, oldest first' }),
    rules: z.array(DecisionRule).meta({ description: 'The capability results behind the decision' }),
    feedback: Feedback.nullable(),
    consent: z
      .object({
        userConsent: UserConsent.optional().meta({
          description: 'Collected by the customer (account creation)',
        }),
        endUser: z
          .object({ given: z.boolean(), at: Timestamp, version: z.string().optional() })
          .optional()
          .meta({ description: 'Collected by the widget from the user' }),
      })
      .nullable(),
    captureClient: CaptureClient.nullable(),
  })
  .meta({ id: 'ExecutionDetails' });
export type ExecutionDetails = z.infer<typeof ExecutionDetails>;

/**
 * The status endpoint answers the callback body of the current state (same fields, same order, same bytes); the
 * status reads `WIPED_OUT` after PII deletion.
 */
export const ExecutionStatusResponse = z
  .object({
    callbackSentAt: Timestamp.meta({ description: 'When the execution reached this status' }),
    userReference: z.string().optional(),
    workflowExecution: z.object({
      id: z.string(),
      href: z.url(),
      // The callback's bytes (statusBody); the workflow API itself never shows 10090.
      definitionKey: SessionDefinitionKey,
      status: RetrievalStatus,
    }),
    account: z.object({ id: z.string(), href: z.url() }),
  })
  .meta({ id: 'ExecutionStatus' });
export type ExecutionStatusResponse = z.infer<typeof ExecutionStatusResponse>;

export const ExecutionListQuery = z.strictObject({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(100).default(20),
});

export const ExecutionList = z
  .object({
    totalCount: z.number().int(),
    page: z.number().int(),
    size: z.number().int(),
    workflowExecutions: z.array(
      z.object({
        id: z.string(),
        status: RetrievalStatus,
        definitionKey: WorkflowDefinitionKey,
        createdAt: Timestamp,
        completedAt: Timestamp.nullable(),
        href: z.url(),
      }),
    ),
  })
  .meta({ id: 'ExecutionList' });
export type ExecutionList = z.infer<typeof ExecutionList>;

/** Body of the callback POSTed to `callbackUrl` (signed per Standard Webhooks). Thin: ids and status, no PII. */
export const CallbackPayload = z
  .object({
    callbackSentAt: Timestamp,
    userReference: z.string().optional(),
    workflowExecution: z.object({
      id: z.string(),
      href: z.url().meta({
        description: 'The execution in the retrieval API; for an IDA session (10090) the KYC read operation',
      }),
      definitionKey: SessionDefinitionKey,
      status: ExecutionStatus,
    }),
    account: z.object({ id: z.string(), href: z.url() }),
  })
  .meta({ id: 'CallbackPayload' });
export type CallbackPayload = z.infer<typeof CallbackPayload>;

export const ProcessedListQuery = z.strictObject({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(100).default(50),
});
export const ProcessedExecutionList = z
  .object({
    page: z.number().int(),
    size: z.number().int(),
    totalCount: z.number().int(),
    workflowExecutions: z.array(
      z.object({
        id: z.string(),
        account: z.object({ id: z.string() }),
        status: RetrievalStatus,
        decision: z.enum(['PASSED', 'REJECTED', 'WARNING', 'NOT_EXECUTED']).nullable(),
        completedAt: Timestamp.nullable(),
        href: z.url(),
      }),
    ),
  })
  .meta({ id: 'ProcessedExecutionList' });
export type ProcessedExecutionList = z.infer<typeof ProcessedExecutionList>;
