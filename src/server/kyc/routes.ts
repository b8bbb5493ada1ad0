/**
 * The KYC API (issue #16; the "KYC API 2.10.15" of DESIGN.md): every operation under one prefix, in the style of
 * its request bodies — `POST /kyc/v2/<area>/<object>/<verb>` with a JSON body of snake_case fields (utility reads
 * are GETs). The mapping from the document's operations to these paths is docs/kyc-api.md. Each area is its own
 * router file; all of them read and write the engine's rows (a KYC session is a workflow execution).
 */
import type { ServerContext } from '../context.js';
import type { HttpMetrics } from '../http/metrics.js';
import type { LivenessOptions } from '../liveness/liveness-options.js';
import { newRouter } from '../http/router.js';
import { idaRoutes } from './ida-routes.js';
import { identityRoutes } from './identity-routes.js';
import { idvAdminRoutes } from './idv-admin-routes.js';
import { sdkRoutes } from './sdk-routes.js';
import { tuningRoutes } from './tuning-routes.js';
import { utilityRoutes } from './utility-routes.js';
import { webhookRoutes } from './webhook-routes.js';

export const KYC_PREFIX = '/kyc/v2';

export function kycRoutes(ctx: ServerContext, metrics: HttpMetrics, liveness: Partial<LivenessOptions> = {}) {
  const router = newRouter();
  router.route('/', utilityRoutes(ctx, metrics));
  router.route('/', sdkRoutes(ctx, liveness));
  router.route('/', idvAdminRoutes(ctx));
  router.route('/', identityRoutes(ctx));
  router.route('/', idaRoutes(ctx));
  router.route('/', tuningRoutes(ctx));
  router.route('/', webhookRoutes(ctx));
  return router;
}
