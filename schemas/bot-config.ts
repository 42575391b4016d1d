import { z } from '@hono/zod-openapi';
import { SETTINGS } from '../workers/config/settings.ts';

const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;

/**
 * Whether a bot may name this Worker secret: upper case (as secret names are by convention, which
 * also keeps most secret values from passing for a name), and never one of the gateway's own
 * (`ECO_*`, except the `ECO_IM_*` family kept for bots). The gateway's settings (`ECO_IM_CHAT_BURST`
 * and the like) are plain vars whose values are public, so none of them may stand for a secret.
 * Checked when a bot is written and again whenever a secret is read for one, so a row written by SQL
 * cannot send a gateway secret out, nor take a public value for one, either.
 */
export function isBotSecretName(name: string): boolean {
  if (!SECRET_NAME.test(name) || Object.hasOwn(SETTINGS, name)) return false;
  return !name.startsWith('ECO_') || name.startsWith('ECO_IM_');
}

/**
 * A Worker secret's NAME (the value lives in `wrangler secret put <NAME>`, never in D1). Upper case,
 * as secret names are by convention, which also keeps most secret values from passing for a name.
 */
const SecretName = z
  .string()
  .regex(SECRET_NAME, 'the NAME of a Worker secret (A-Z, 0-9, _), not its value')
  .refine(
    isBotSecretName,
    "one of the gateway's own secrets or settings (ECO_*; bots may use ECO_IM_* names that are no setting)",
  );

export const BotSettings = z
  .object({
    /** Prepended to every model call. */
    systemPrompt: z.string().max(8000).optional(),
    maxTokens: z.number().int().min(1).max(32_768).optional(),
    /** Split replies at this many characters (never above the platform's limit). */
    maxMessageChars: z.number().int().min(100).max(65_536).optional(),
    /** Show the platform's typing/loading indicator while the model works (default true). */
    typingIndicator: z.boolean().optional(),
    /**
     * In group chats: `mentions` (default) answers only messages that mention the bot, reply to it or
     * are commands for it; `all` answers every text message. Direct chats are always answered.
     */
    groupReplies: z.enum(['mentions', 'all']).optional(),
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
