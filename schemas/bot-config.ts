import { z } from '@hono/zod-openapi';

/** A Worker secret's NAME (the value lives in `wrangler secret put <NAME>`, never in D1). */
const SecretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'the NAME of a Worker secret (letters, digits, _), not its value');

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
