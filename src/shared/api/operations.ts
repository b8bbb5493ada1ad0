/** Operations endpoints and the demo helper endpoint. */
import { z } from 'zod';

export const HealthCheckStatus = z.enum(['ok', 'failing']);

export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'failing']),
    checks: z.object({ database: HealthCheckStatus, blobStore: HealthCheckStatus }),
    version: z.string(),
    uptimeSeconds: z.number().int(),
  })
  .meta({ id: 'Health' });
export type HealthResponse = z.infer<typeof HealthResponse>;

export const ReadinessResponse = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.object({ database: HealthCheckStatus, blobStore: HealthCheckStatus }),
  })
  .meta({ id: 'Readiness' });
export type ReadinessResponse = z.infer<typeof ReadinessResponse>;

export const VersionResponse = z.object({ name: z.string(), version: z.string() }).meta({ id: 'Version' });
export type VersionResponse = z.infer<typeof VersionResponse>;

/** `POST /demo/api/verifications` (only with `serve --demo`): what the demo page needs to start a capture. */
/** Demo only: which workflow to start. No liveness → 10011 (ID + selfie); with liveness → 10013 in that mode. */
export const DemoVerificationRequest = z
  .strictObject({ liveness: z.enum(['none', 'passive', 'passive_active']).optional() })
  .meta({ id: 'DemoVerificationRequest' });
export type DemoVerificationRequest = z.infer<typeof DemoVerificationRequest>;

export const DemoVerificationResponse = z
  .object({
    token: z.string(),
    webHref: z.url(),
    accountId: z.string(),
    workflowExecutionId: z.string(),
  })
  .meta({ id: 'DemoVerification' });
export type DemoVerificationResponse = z.infer<typeof DemoVerificationResponse>;
