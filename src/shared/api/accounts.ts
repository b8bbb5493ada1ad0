/** Account creation and new executions (Jumio KYX-style): `POST /api/v1/accounts`, `PUT /api/v1/accounts/{accountId}`. */
import { z } from 'zod';
import {
  CHANNELS,
  CountryCode,
  CredentialCategory,
  DocumentType,
  LivenessMode,
  Timestamp,
  WorkflowDefinitionKey,
} from './common.js';
import { UserConsent } from './workflow.js';

export const TOKEN_LIFETIME_MIN_SECONDS = 5 * 60;
export const TOKEN_LIFETIME_MAX_SECONDS = 60 * 24 * 3600;
export const TOKEN_LIFETIME_DEFAULT = '30m';

const LIFETIME_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Seconds for a token lifetime like `5m`, `2h`, `7d`, `90s`, `"600"` or `600`; undefined when the format is wrong.
 * Range checks are separate so the error can say which bound was crossed.
 */
export function parseTokenLifetimeSeconds(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * LIFETIME_UNITS[match[2] || 's'];
}

export const TokenLifetime = z
  .union([z.string(), z.number().int()])
  .superRefine((value, ctx) => {
    const seconds = parseTokenLifetimeSeconds(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: 'Use a duration like 5m, 2h, 7d, or a number of seconds' });
    } else if (seconds < TOKEN_LIFETIME_MIN_SECONDS || seconds > TOKEN_LIFETIME_MAX_SECONDS) {
      ctx.addIssue({ code: 'custom', message: 'Token lifetime must be between 5m and 60d' });
    }
  })
  .meta({ description: 'Between 5m and 60d; formats 5m, 2h, 7d or seconds. Default 30m.', example: '30m' });

export const CredentialRequest = z
  .strictObject({
    category: CredentialCategory,
    type: z.strictObject({ values: z.array(DocumentType).min(1) }).optional(),
    country: z.strictObject({ values: z.array(CountryCode).min(1) }).optional(),
  })
  .meta({ id: 'CredentialRequest' });
export type CredentialRequest = z.infer<typeof CredentialRequest>;

export const CreateAccountRequest = z
  .strictObject({
    customerInternalReference: z.string().min(1).max(100),
    userReference: z.string().min(1).max(100).optional(),
    workflowDefinition: z.strictObject({
      key: WorkflowDefinitionKey,
      credentials: z.array(CredentialRequest).max(3).optional().meta({
        description: 'ID, SELFIE and FACEMAP are added when left out.',
      }),
    }),
    callbackUrl: z.url().max(2048).optional(),
    tokenLifetime: TokenLifetime.optional(),
    web: z
      .strictObject({
        successUrl: z.url().max(2048).optional(),
        errorUrl: z.url().max(2048).optional(),
        locale: z.string().min(2).max(35).optional(),
      })
      .optional(),
    liveness: z.strictObject({ mode: LivenessMode }).optional(),
    userConsent: UserConsent.optional().meta({
      description:
        'The consent the customer collected (API channel). Without it, an API-channel finalize answers 409 CONSENT_REQUIRED; the widget asks the user itself.',
    }),
    dataChecks: z
      .strictObject({
        minimumAge: z
          .number()
          .int()
          .min(1)
          .max(125)
          .optional()
          .meta({ description: 'Reject holders younger than this (years, on the day of the decision).' }),
      })
      .optional(),
  })
  .meta({ id: 'CreateAccountRequest' });
export type CreateAccountRequest = z.infer<typeof CreateAccountRequest>;

export const CredentialParts = z.object({
  front: z.url().optional(),
  back: z.url().optional(),
  face: z.url().optional(),
});

export const CreateAccountResponse = z
  .object({
    timestamp: Timestamp,
    account: z.object({ id: z.string() }),
    web: z.object({ href: z.url(), successUrl: z.url().optional(), errorUrl: z.url().optional() }),
    sdk: z.object({ token: z.string() }),
    workflowExecution: z.object({
      id: z.string(),
      credentials: z.array(
        z.object({
          id: z.string(),
          category: CredentialCategory,
          allowedChannels: z.array(z.enum(CHANNELS)),
          api: z
            .object({ token: z.string(), parts: CredentialParts, workflowExecution: z.url() })
            .optional()
            .meta({
              description:
                'API channel: a token for this credential only (its parts and data, and finalize). Absent for FACEMAP.',
            }),
        }),
      ),
    }),
  })
  .meta({ id: 'CreateAccountResponse' });
export type CreateAccountResponse = z.infer<typeof CreateAccountResponse>;
