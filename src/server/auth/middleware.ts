/**
 * Authentication as hono middleware (the `bearer-auth` shape): one middleware per token kind verifies the token and
 * puts a typed value on the context, so handlers read `c.var.client` or `c.var.execution` and never parse
 * `Authorization` themselves. Attach them per route (`createRoute({ middleware: [...] })`) so the handler's context
 * type carries the variable.
 */
import { createMiddleware } from 'hono/factory';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { ExecutionRow } from '../executions/execution-row.js';
import { authenticateClient } from './access-tokens.js';
import type { ApiClient } from './clients.js';
import { authenticateWorkflowToken, type WidgetActivity, type WorkflowGrant } from './workflow-tokens.js';

export interface ClientVariables {
  client: ApiClient;
}

export interface WorkflowVariables {
  execution: ExecutionRow;
  grant: WorkflowGrant;
}

/** Server-to-server routes: an OAuth access token of an enabled client. */
export function requireClient(ctx: ServerContext) {
  return createMiddleware<{ Variables: ClientVariables }>(async (c, next) => {
    c.set('client', await authenticateClient(ctx, c.req.header('authorization')));
    await next();
  });
}

export interface WorkflowTokenOptions {
  activity?: WidgetActivity;
  /** Whether a credential's `api.token` may call this route (parts, credential data, finalize). */
  apiChannel?: boolean;
}

/** Widget and API-channel routes: a workflow token, with its execution and scope. */
export function requireWorkflowToken(ctx: ServerContext, options: WorkflowTokenOptions = {}) {
  return createMiddleware<{ Variables: WorkflowVariables }>(async (c, next) => {
    const access = await authenticateWorkflowToken(
      ctx,
      c.req.header('authorization'),
      options.activity ?? 'capture',
    );
    if (access.grant.kind === 'api' && !options.apiChannel) {
      throw new ApiError(
        403,
        'FORBIDDEN',
        'A credential’s api.token uploads that credential’s parts and data and finalizes; use sdk.token for the widget flow',
      );
    }
    c.set('execution', access.execution);
    c.set('grant', access.grant);
    await next();
  });
}
