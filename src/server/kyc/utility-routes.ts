/** KYC API routes of this area (see ./routes.ts and docs/kyc-api.md). */
import type { ServerContext } from '../context.js';
import type { HttpMetrics } from '../http/metrics.js';
import { newRouter } from '../http/router.js';

export function utilityRoutes(_ctx: ServerContext, _metrics: HttpMetrics) {
  return newRouter();
}
