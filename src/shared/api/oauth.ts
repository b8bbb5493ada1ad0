/** OAuth2 client-credentials token endpoint (`POST /oauth2/token`, HTTP Basic + form body). */
import { z } from 'zod';

export const TokenRequest = z
  .strictObject({ grant_type: z.string().min(1), scope: z.string().max(512).optional() })
  .meta({ id: 'TokenRequest', description: 'Form body; only `client_credentials` is supported.' });
export type TokenRequest = z.infer<typeof TokenRequest>;

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive(),
  })
  .meta({ id: 'TokenResponse' });
export type TokenResponse = z.infer<typeof TokenResponse>;

/** Lifetime of an access token, in seconds (1 h). */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
