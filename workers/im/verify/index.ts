import type { Env } from '../../env.ts';
import { secretValue } from '../bots.ts';
import type { BotConfig } from '../types.ts';
import { verifyLine } from './line.ts';
import { verifyMetaSignature } from './meta.ts';
import type { VerifyResult } from './result.ts';
import { verifyTelegram } from './telegram.ts';

/** Check a webhook's authenticity with the bot's configured secret over the raw body. */
export function verifyWebhook(
  env: Env,
  bot: BotConfig,
  headers: Headers,
  body: ArrayBuffer,
): Promise<VerifyResult> {
  const secret = secretValue(env, bot.secretName);
  switch (bot.platform) {
    case 'telegram':
      return verifyTelegram(headers.get('x-telegram-bot-api-secret-token'), secret);
    case 'line':
      return verifyLine(headers.get('x-line-signature'), secret, body);
    case 'whatsapp':
    case 'messenger':
      return verifyMetaSignature(headers.get('x-hub-signature-256'), secret, body);
  }
}
