/**
 * The vendor workflow API's surfaces beyond account creation (issue #15): the user's consent given by the customer
 * (API channel), credential data (prefill), the credentials API envelope, steps, rules, fraud feedback, the PDF
 * report link and the list of processed executions. Field names follow the Jumio KYX documents.
 */
import { z } from 'zod';
import { CountryCode, CredentialCategory, DocumentType, PartClassifier, Timestamp } from './common.js';
import { UploadedPart } from './session.js';

const IsoDate = z.iso.date();

/** The consent the customer collected itself (API channel): who, where, whether and when. */
export const UserConsent = z
  .strictObject({
    userIp: z.union([z.ipv4(), z.ipv6()]).optional(),
    userLocation: z
      .strictObject({ country: CountryCode, state: z.string().min(1).max(64).optional() })
      .optional(),
    consent: z.strictObject({
      obtained: z
        .enum(['yes', 'no', 'na'])
        .meta({ description: '`na`: no consent needed where the user is' }),
      obtainedAt: Timestamp,
    }),
  })
  .meta({ id: 'UserConsent' });
export type UserConsent = z.infer<typeof UserConsent>;

/** Credential data the customer already knows (prefill); compared with the document by the data checks. */
export const CredentialData = z
  .strictObject({
    firstName: z.string().min(1).max(100).optional(),
    middleName: z.string().min(1).max(100).optional(),
    lastName: z.string().min(1).max(100).optional(),
    sex: z.enum(['M', 'F', 'X']).optional(),
    dateOfBirth: IsoDate.optional(),
    nationality: CountryCode.optional(),
    email: z.email().max(254).optional(),
    phoneNumber: z
      .string()
      .regex(/^\+?[0-9 ()-]{4,32}$/)
      .optional(),
    address: z
      .strictObject({
        line1: z.string().max(200).optional(),
        line2: z.string().max(200).optional(),
        city: z.string().max(100).optional(),
        subdivision: z.string().max(64).optional(),
        postalCode: z.string().max(20).optional(),
        country: CountryCode.optional(),
      })
      .optional(),
    id: z
      .strictObject({
        type: DocumentType.optional(),
        issuingCountry: CountryCode.optional(),
        idNumber: z.string().min(1).max(64).optional(),
        personalNumber: z.string().min(1).max(64).optional(),
        issuingDate: IsoDate.optional(),
        expiryDate: IsoDate.optional(),
      })
      .optional(),
  })
  .meta({ id: 'CredentialData' });
export type CredentialData = z.infer<typeof CredentialData>;

const ApiLinks = z.object({
  token: z.string(),
  parts: z.object({ front: z.url().optional(), back: z.url().optional(), face: z.url().optional() }),
  workflowExecution: z.url(),
});

/** The envelope of every credentials-API answer. */
export const CredentialEnvelope = z
  .object({
    timestamp: Timestamp,
    account: z.object({ id: z.string() }),
    workflowExecution: z.object({ id: z.string() }),
    credential: z.object({ id: z.string(), category: CredentialCategory }),
    part: UploadedPart.extend({ id: z.string(), validity: z.literal('VALID') }).optional(),
    parts: z
      .array(z.object({ id: z.string(), classifier: PartClassifier, validity: z.literal('VALID') }))
      .optional()
      .meta({ description: 'The pages of a document uploaded without a classifier, in page order.' }),
    data: CredentialData.optional(),
    api: ApiLinks.optional().meta({
      description: 'Present when the call was made with the credential’s api.token',
    }),
  })
  .meta({ id: 'CredentialEnvelope' });
export type CredentialEnvelope = z.infer<typeof CredentialEnvelope>;

export const STEP_NAMES = [
  'CREATED',
  'STARTED',
  'CONSENT',
  'DOCUMENT_SELECTED',
  'PART_UPLOADED',
  'LIVENESS',
  'ACQUIRED',
  'PROCESSED',
  'EXPIRED',
  'WIPED_OUT',
] as const;
export const ExecutionStep = z
  .object({
    name: z.enum(STEP_NAMES),
    at: Timestamp,
    credentialId: z.string().optional(),
    classifier: PartClassifier.optional(),
    detail: z.string().optional(),
  })
  .meta({ id: 'ExecutionStep' });
export type ExecutionStep = z.infer<typeof ExecutionStep>;
export const ExecutionSteps = z
  .object({ workflowExecution: z.object({ id: z.string() }), steps: z.array(ExecutionStep) })
  .meta({ id: 'ExecutionSteps' });
export type ExecutionSteps = z.infer<typeof ExecutionSteps>;

/** One rule of the decision: a capability result and whether it moved the decision off PASSED. */
export const DecisionRule = z
  .object({
    id: z.string(),
    capability: z.string(),
    credentialId: z.string().optional(),
    required: z.boolean(),
    decision: z.enum(['PASSED', 'REJECTED', 'WARNING', 'NOT_EXECUTED']),
    label: z.string(),
    fired: z.boolean().meta({ description: 'true when this result lowered the overall decision' }),
  })
  .meta({ id: 'DecisionRule' });
export type DecisionRule = z.infer<typeof DecisionRule>;
export const ExecutionRules = z
  .object({ workflowExecution: z.object({ id: z.string() }), rules: z.array(DecisionRule) })
  .meta({ id: 'ExecutionRules' });
export type ExecutionRules = z.infer<typeof ExecutionRules>;

export const FEEDBACK_STATUSES = ['FRAUD', 'NOT_FRAUD'] as const;
export const FEEDBACK_REASONS = [
  'FIRST_PARTY_FRAUD',
  'THIRD_PARTY_FRAUD',
  'FAKE_DOCUMENT',
  'MANIPULATED_DOCUMENT',
  'PRESENTATION_ATTACK',
  'FALSE_POSITIVE',
  'OTHER',
] as const;
export const FeedbackRequest = z
  .strictObject({ status: z.enum(FEEDBACK_STATUSES), reason: z.enum(FEEDBACK_REASONS).optional() })
  .superRefine((value, ctx) => {
    if (value.status === 'FRAUD' && !value.reason) {
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message: 'A reason is required when status is FRAUD',
      });
    }
  })
  .meta({ id: 'FeedbackRequest' });
export type FeedbackRequest = z.infer<typeof FeedbackRequest>;
export const Feedback = z
  .object({
    status: z.enum(FEEDBACK_STATUSES),
    reason: z.enum(FEEDBACK_REASONS).optional(),
    submittedAt: Timestamp,
  })
  .meta({ id: 'Feedback' });
export type Feedback = z.infer<typeof Feedback>;

/** Where the PDF report can be fetched without a token, until `expiresAt`. */
export const ReportLink = z
  .object({ presignedUrl: z.url(), expiresAt: Timestamp })
  .meta({ id: 'ReportLink' });
export type ReportLink = z.infer<typeof ReportLink>;
