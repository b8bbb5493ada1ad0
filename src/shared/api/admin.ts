/** Operator's admin API (`/admin/v1/…`, Bearer = `IDV_ADMIN_TOKEN`): API clients and their credentials. */
import { z } from 'zod';
import { Timestamp } from './common.js';

export const AdminClient = z
  .object({
    id: z.string(),
    name: z.string(),
    allowedOrigins: z.array(z.string()),
    createdAt: Timestamp,
    disabledAt: Timestamp.nullable(),
  })
  .meta({ id: 'AdminClient' });
export type AdminClient = z.infer<typeof AdminClient>;

export const AdminClientList = z.object({ clients: z.array(AdminClient) }).meta({ id: 'AdminClientList' });
export type AdminClientList = z.infer<typeof AdminClientList>;

export const AdminCreateClientRequest = z
  .strictObject({
    name: z.string().min(1).max(200),
    allowedOrigins: z.array(z.string().max(2048)).max(50).default([]),
  })
  .meta({ id: 'AdminCreateClientRequest' });
export type AdminCreateClientRequest = z.infer<typeof AdminCreateClientRequest>;

/** Secrets are shown once, in the answer that made them. */
export const AdminClientSecrets = z
  .object({
    clientId: z.string(),
    clientSecret: z.string().optional(),
    webhookSecret: z.string().optional(),
  })
  .meta({ id: 'AdminClientSecrets' });
export type AdminClientSecrets = z.infer<typeof AdminClientSecrets>;
