/** OpenAPIHono routers whose validation failures become ApiErrors (422 VALIDATION_FAILED / 400 UNKNOWN_FIELD). */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.js';
import { apiErrorFromZod } from './errors.js';

export function newRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success)
        throw apiErrorFromZod(result.error, result.target === 'json' ? 'body' : result.target);
    },
  });
}

/** Standard error responses for the OpenAPI document. */
export const bearerSecurity = [{ bearerAuth: [] }];
