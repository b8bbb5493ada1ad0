/** Cross-device handoff: the desktop asks for a short-lived, single-use link the phone opens to continue. */
import { z } from 'zod';
import { Timestamp } from './common.js';

export const HandoffResponse = z
  .object({
    /** `…/web/v1/handoff/{code}`: opens the hosted page on the phone for the same workflow execution. Single use. */
    url: z.url(),
    expiresAt: Timestamp,
  })
  .meta({ id: 'HandoffResponse' });
export type HandoffResponse = z.infer<typeof HandoffResponse>;
