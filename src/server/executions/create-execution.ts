/** Account creation and new executions: validates URL rules, stores the execution, mints the workflow token. */
import { randomUUID } from 'node:crypto';
import {
  CHANNELS,
  type CreateAccountRequest,
  type CreateAccountResponse,
  type CredentialCategory,
  type CredentialRequest,
  parseTokenLifetimeSeconds,
  TOKEN_LIFETIME_DEFAULT,
} from '../../shared/api/index.js';
import type { ApiClient } from '../auth/clients.js';
import { hashToken, randomToken } from '../auth/secrets.js';
import type { ServerContext } from '../context.js';
import { ApiError } from '../errors.js';
import { type CallbackPolicy, CallbackTargetError, checkCallbackUrl } from '../queue/callback-target.js';
import { CLASSIFIERS_BY_CATEGORY } from './model.js';
import { PublicUrls } from './urls.js';

export const WORKFLOW_TOKEN_PREFIX = 'idv_wt_';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https everywhere; plain http only for loopback hosts (local development). */
export function isAcceptableRedirectUrl(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/**
 * The callback is a request this server makes, so it must pass the SSRF policy (checked again on the resolved
 * address at delivery); the redirect URLs are where the user's browser goes, so https or loopback http suffices.
 */
function checkUrls(client: ApiClient, body: CreateAccountRequest, policy: CallbackPolicy): void {
  if (body.callbackUrl) {
    try {
      checkCallbackUrl(body.callbackUrl, policy);
    } catch (error) {
      if (!(error instanceof CallbackTargetError)) throw error;
      const issue = [{ path: 'callbackUrl', code: error.code }];
      if (error.code === 'INSECURE_URL') {
        throw new ApiError(422, 'INSECURE_URL', 'callbackUrl must use https', issue);
      }
      throw new ApiError(
        422,
        'CALLBACK_URL_FORBIDDEN',
        `callbackUrl is not allowed: ${error.message} (public https receivers only)`,
        issue,
      );
    }
  }
  const urls: Array<[string, string | undefined]> = [
    ['web.successUrl', body.web?.successUrl],
    ['web.errorUrl', body.web?.errorUrl],
  ];
  const insecure = urls.filter(([, url]) => url && !isAcceptableRedirectUrl(url));
  if (insecure.length > 0) {
    throw new ApiError(
      422,
      'INSECURE_URL',
      'URLs must use https (http is allowed only for localhost)',
      insecure.map(([path]) => ({ path, code: 'INSECURE_URL' })),
    );
  }
  const offOrigin = urls.filter(([, url]) => url && !client.allowedOrigins.includes(new URL(url).origin));
  if (offOrigin.length > 0) {
    throw new ApiError(
      403,
      'ORIGIN_NOT_ALLOWED',
      'successUrl and errorUrl must be on one of the client’s allowed origins',
      offOrigin.map(([path]) => ({ path, code: 'ORIGIN_NOT_ALLOWED' })),
    );
  }
}

/**
 * Both definitions take a document, a selfie and a facemap (the liveness evidence, captured by the widget or SDK
 * only); credentials the request leaves out get defaults, as in the vendor's account-creation example.
 */
function credentialPlan(requested: CredentialRequest[] | undefined): CredentialRequest[] {
  const plan = [...(requested ?? [])];
  const seen = new Set<CredentialCategory>();
  for (const credential of plan) {
    if (seen.has(credential.category)) {
      throw new ApiError(
        422,
        'VALIDATION_FAILED',
        `Credential category ${credential.category} listed twice`,
        [{ path: 'workflowDefinition.credentials', code: 'duplicate_category' }],
      );
    }
    seen.add(credential.category);
  }
  if (!seen.has('ID')) plan.unshift({ category: 'ID' });
  if (!seen.has('SELFIE')) plan.push({ category: 'SELFIE' });
  if (!seen.has('FACEMAP')) plan.push({ category: 'FACEMAP' });
  return plan;
}

/** A facemap is captured on the device (liveness frames); it has no API channel and no api block. */
function channelsOf(category: CredentialCategory): Array<(typeof CHANNELS)[number]> {
  return category === 'FACEMAP' ? ['WEB', 'SDK'] : [...CHANNELS];
}

/**
 * A definition the workflow API does not offer (the KYC API's authentication, 10090): its key and exact credentials,
 * used as given (no ID added).
 */
export interface InternalDefinition {
  key: number;
  credentials: CredentialRequest[];
}

export async function createExecution(
  ctx: ServerContext,
  client: ApiClient,
  body: CreateAccountRequest,
  existingAccountId?: string,
  internal?: InternalDefinition,
): Promise<CreateAccountResponse> {
  checkUrls(client, body, ctx.config.callbackPolicy);
  const urls = new PublicUrls(ctx.config);
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const lifetimeSeconds = parseTokenLifetimeSeconds(body.tokenLifetime ?? TOKEN_LIFETIME_DEFAULT) as number;
  const token = randomToken(WORKFLOW_TOKEN_PREFIX);
  const webToken = randomToken(WORKFLOW_TOKEN_PREFIX);
  const accountId = existingAccountId ?? randomUUID();
  const executionId = randomUUID();
  const locale = body.web?.locale ?? 'en';
  const plan = internal ? internal.credentials : credentialPlan(body.workflowDefinition.credentials);
  const credentials = plan.map((credential) => ({
    ...credential,
    id: randomUUID(),
    apiToken: credential.category === 'FACEMAP' ? undefined : randomToken(WORKFLOW_TOKEN_PREFIX),
  }));

  await ctx.db.transaction().execute(async (trx) => {
    if (existingAccountId) {
      const account = await trx
        .selectFrom('accounts')
        .select(['id'])
        .where('id', '=', existingAccountId)
        .where('client_id', '=', client.id)
        .where('wiped_out_at', 'is', null)
        .executeTakeFirst();
      if (!account) throw new ApiError(404, 'NOT_FOUND', 'Account not found');
      await trx.updateTable('accounts').set({ updated_at: nowIso }).where('id', '=', accountId).execute();
    } else {
      await trx
        .insertInto('accounts')
        .values({
          id: accountId,
          client_id: client.id,
          created_at: nowIso,
          updated_at: nowIso,
          wiped_out_at: null,
        })
        .execute();
    }
    await trx
      .insertInto('workflow_executions')
      .values({
        id: executionId,
        account_id: accountId,
        client_id: client.id,
        definition_key: internal?.key ?? body.workflowDefinition.key,
        status: 'INITIATED',
        customer_internal_reference: body.customerInternalReference,
        user_reference: body.userReference ?? null,
        callback_url: body.callbackUrl ?? null,
        success_url: body.web?.successUrl ?? null,
        error_url: body.web?.errorUrl ?? null,
        locale,
        liveness_mode: body.liveness?.mode ?? 'passive',
        minimum_age: body.dataChecks?.minimumAge ?? null,
        token_hash: hashToken(token),
        token_expires_at: new Date(now.getTime() + lifetimeSeconds * 1000).toISOString(),
        capture_started_at: null,
        last_activity_at: null,
        consent_given: 0,
        consent_version: null,
        consent_at: null,
        document_type: null,
        document_country: null,
        capture_metadata: null,
        finalize_response: null,
        decision: null,
        capabilities: null,
        user_consent: body.userConsent ? JSON.stringify(body.userConsent) : null,
        feedback: null,
        created_at: nowIso,
        started_at: null,
        acquired_at: null,
        completed_at: null,
        wiped_out_at: null,
      })
      .execute();
    await trx
      .insertInto('credentials')
      .values(
        credentials.map((credential, position) => ({
          id: credential.id,
          execution_id: executionId,
          category: credential.category,
          position,
          allowed_types: credential.type ? JSON.stringify(credential.type.values) : null,
          allowed_countries: credential.country ? JSON.stringify(credential.country.values) : null,
          prefill: null,
        })),
      )
      .execute();
    await trx
      .insertInto('execution_tokens')
      .values([
        {
          token_hash: hashToken(webToken),
          execution_id: executionId,
          kind: 'web',
          credential_id: null,
          created_at: nowIso,
        },
        ...credentials.flatMap((credential) =>
          credential.apiToken
            ? [
                {
                  token_hash: hashToken(credential.apiToken),
                  execution_id: executionId,
                  kind: 'api',
                  credential_id: credential.id,
                  created_at: nowIso,
                },
              ]
            : [],
        ),
      ])
      .execute();
  });

  const executionHref = urls.execution(accountId, executionId);
  return {
    timestamp: nowIso,
    account: { id: accountId },
    web: {
      href: urls.hostedApp(webToken, locale),
      ...(body.web?.successUrl ? { successUrl: body.web.successUrl } : {}),
      ...(body.web?.errorUrl ? { errorUrl: body.web.errorUrl } : {}),
    },
    sdk: { token },
    workflowExecution: {
      id: executionId,
      credentials: credentials.map((credential) => ({
        id: credential.id,
        category: credential.category,
        allowedChannels: channelsOf(credential.category),
        ...(credential.apiToken
          ? {
              api: {
                token: credential.apiToken,
                parts: partLinks(urls, accountId, executionId, credential.id, credential.category),
                workflowExecution: executionHref,
              },
            }
          : {}),
      })),
    },
  };
}

/** `api.parts` of a credential: one upload URL per classifier it takes (`front`, `back`, `face`). */
export function partLinks(
  urls: PublicUrls,
  accountId: string,
  executionId: string,
  credentialId: string,
  category: CredentialCategory,
): Record<string, string> {
  return Object.fromEntries(
    CLASSIFIERS_BY_CATEGORY[category].map((classifier) => [
      classifier.toLowerCase(),
      urls.part(accountId, executionId, credentialId, classifier),
    ]),
  );
}
