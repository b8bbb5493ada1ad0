/** KYC API routes of this area (see ./routes.ts and docs/kyc-api.md). */
import type { ServerContext } from '../context.js';
import { newRouter } from '../http/router.js';

export function sdkRoutes(_ctx: ServerContext) {
  return newRouter();
}
