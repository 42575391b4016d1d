import { z } from '@hono/zod-openapi';

/** The platform's own secrets: a bot may not send them to a chat platform. */
const RESERVED_SECRETS = new Set([
  'ECO_BOOTSTRAP_ADMIN_KEY',
  'ECO_INTERNAL_SECRET',
  'ECO_JWT_SECRET',
  'ECO_JOB_CALLBACK_SECRET',
  'ECO_METRICS_TOKEN',
  'ECO_DEV_API_KEY',
]);

/**
 * A Worker secret's NAME (the value lives in `wrangler secret put <NAME>`, never in D1). Upper case,
 * as secret names are by convention, which also keeps most secret values from passing for a name.
 */
const SecretName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,127}$/, 'the NAME of a Worker secret (A-Z, 0-9, _), not its value')
  .refine((name) => !RESERVED_SECRETS.has(name), "one of the gateway's own secrets");

export const BotSettings = z
  .object({
    /** Prepended to every model call. */
    systemPrompt: z.string().max(8000).optional(),
    maxTokens: z.number().int().min(1).max(32_768).optional(),
    /** Split replies at this many characters (never above the platform's limit). */
    maxMessageChars: z.number().int().min(100).max(65_536).optional(),
  })
  .strict();

/** One IM bot: where its webhooks land, what it bills to, and the names of its secrets. */
export const BotConfig = z
  .object({
    platform: z.enum(['telegram', 'whatsapp', 'line', 'messenger']),
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/),
    name: z.string().min(1).max(200),
    /** The API key every reply bills to (its limits, usage and allowed models apply). */
    keyId: z.string().min(1),
    defaultModel: z.string().min(1),
    /** Authenticates webhooks (Telegram secret token, WhatsApp/Messenger app secret, LINE channel secret). */
    secretName: SecretName,
    /** WhatsApp and Messenger only: the subscription verify token. */
    verifyTokenName: SecretName.nullable().default(null),
    /** The platform's send API token. */
    accessTokenName: SecretName,
    /** Send API base override (proxies, tests). */
    apiBase: z.string().url().nullable().default(null),
    settings: BotSettings.default({}),
  })
  .strict()
  .superRefine((bot, ctx) => {
    const usesVerifyToken = bot.platform === 'whatsapp' || bot.platform === 'messenger';
    if (usesVerifyToken && !bot.verifyTokenName)
      ctx.addIssue({
        code: 'custom',
        path: ['verifyTokenName'],
        message: `${bot.platform} needs a verify token`,
      });
    if (!usesVerifyToken && bot.verifyTokenName)
      ctx.addIssue({
        code: 'custom',
        path: ['verifyTokenName'],
        message: 'only WhatsApp and Messenger use a verify token',
      });
  })
  .openapi('BotConfig');
export type BotConfig = z.infer<typeof BotConfig>;
