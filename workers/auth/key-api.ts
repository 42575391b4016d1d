import { z } from '@hono/zod-openapi';
import { PriorityClass } from '../../schemas/config.ts';
import { SCOPES } from '../principal.ts';
import { WireLimitsSchema } from './key-limits.ts';

/** Wire shapes of the admin key API. JSON is snake_case; timestamps are ISO 8601 strings. */

export const KeyLimitsInput = WireLimitsSchema.openapi('ApiKeyLimits');

/** Shared with the check of stored key rows (workers/data/stored-key.ts): one bound for both. */
export const Scopes = z.array(z.enum(SCOPES)).min(1).max(SCOPES.length);
export const AllowedModels = z.array(z.string().min(1).max(200)).max(1000).nullable();
const IsoTime = z.iso.datetime({ offset: true });

/**
 * A tenant names Durable Objects, metric labels and log fields: one rule for keys and JWT claims
 * (workers/auth/jwt-claims.ts).
 */
export const TenantName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const CreateKeyBody = z
  .object({
    name: z.string().min(1).max(200),
    tenant: TenantName,
    scopes: Scopes.default(['inference']),
    limits: KeyLimitsInput.default({}),
    allowed_models: AllowedModels.default(null),
    default_priority: PriorityClass.default('normal'),
    max_priority: PriorityClass.default('high'),
    expires_at: IsoTime.nullable().optional(),
    // At least a second: less would hand back a key that is already expired.
    expires_in_seconds: z
      .number()
      .min(1)
      .max(10 * 365 * 86400)
      .optional(),
  })
  .strict()
  .openapi('CreateApiKey');
export type CreateKeyBody = z.infer<typeof CreateKeyBody>;

export const UpdateKeyBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    scopes: Scopes.optional(),
    /** Replaces the whole limits object; `{}` removes every limit. */
    limits: KeyLimitsInput.optional(),
    allowed_models: AllowedModels.optional(),
    default_priority: PriorityClass.optional(),
    max_priority: PriorityClass.optional(),
    expires_at: IsoTime.nullable().optional(),
  })
  .strict()
  .openapi('UpdateApiKey');
export type UpdateKeyBody = z.infer<typeof UpdateKeyBody>;

export const RotateKeyBody = z
  .object({
    /** How long the previous secret keeps working; 0 ends it at once. */
    grace_period_seconds: z
      .number()
      .min(0)
      .max(30 * 86400)
      .default(3600),
  })
  .strict()
  .openapi('RotateApiKey');

export const ApiKeyObject = z
  .object({
    object: z.literal('api_key'),
    id: z.string(),
    name: z.string(),
    tenant: z.string(),
    prefix: z.string().openapi({ description: 'The first characters of the secret, for recognition.' }),
    scopes: z.array(z.string()),
    limits: KeyLimitsInput,
    allowed_models: z.array(z.string()).nullable(),
    default_priority: z.string(),
    max_priority: z.string(),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    status: z.enum(['active', 'expired', 'revoked']),
    previous_secrets: z.array(z.object({ prefix: z.string(), valid_until: z.string() })),
    problems: z.array(z.string()).optional().openapi({
      description:
        'Present when the stored record does not hold what this API writes (a row edited by hand): the key is refused until a PATCH corrects it.',
    }),
  })
  .openapi('ApiKey');
export type ApiKeyObject = z.infer<typeof ApiKeyObject>;

export const RevokedApiKey = ApiKeyObject.extend({
  bots_affected: z
    .array(z.string())
    .openapi({ description: 'IM bots (`platform/id`) that bill to this key and can no longer answer.' }),
}).openapi('RevokedApiKey');

export const ApiKeyWithSecret = ApiKeyObject.extend({
  key: z.string().openapi({ description: 'The secret. Shown only in this response.' }),
}).openapi('ApiKeyWithSecret');

export const ApiKeyList = z
  .object({
    object: z.literal('list'),
    data: z.array(ApiKeyObject),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .openapi('ApiKeyList');

/** A filter given empty (`?tenant=`) is refused: read as absent, it would list every tenant. */
const Filter = (what: string) => z.string().min(1, `${what}; leave the parameter out to list all`);

export const ListKeysQuery = z.object({
  tenant: Filter('a tenant name').optional(),
  include_revoked: z.enum(['true', 'false']).optional(),
  // Plain digits, as the job listings take them: not `1e2`, `0x10` or `+5`, which a number coercion reads.
  limit: z
    .string()
    .regex(/^[0-9]+$/, 'expected an integer from 1 to 500 in plain digits')
    .default('100')
    .transform(Number)
    .pipe(z.number().int().min(1).max(500)),
  cursor: Filter('the next_cursor of the previous page').optional(),
});
