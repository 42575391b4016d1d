import { MESSAGES } from '../../workers/im/commands.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import { longestWaitMs } from './backoff.ts';
import type { CallResult } from './ports.ts';

type Failure = Extract<CallResult<object>, { ok: false }>;

/** The gateway's codes for a prompt the model cannot take: too many tokens, or too many bytes. */
const OVERFLOW_CODES = new Set(['context_length_exceeded', 'body_too_large']);

/**
 * Refusals of the bot's own credentials or configuration: its key revoked, expired, rotated out or
 * stripped of `inference`, the gateway's internal secret missing, a request larger than the key's whole
 * budget. Nothing the chat user does mends them, and retrying only repeats the refusal.
 */
const OPERATOR_CODES = new Set([
  'internal_auth_unconfigured',
  'request_exceeds_budget',
  'api_key_record_invalid',
]);

export function isOverflow(failure: Failure): boolean {
  return OVERFLOW_CODES.has(failure.code);
}

/** Whether only the bot's operator can mend this refusal (see OPERATOR_CODES). */
export function isOperatorProblem(failure: Failure): boolean {
  if (OPERATOR_CODES.has(failure.code)) return true;
  return failure.status === 401 || failure.status === 403;
}

/**
 * What the user is told at once for a model refusal no retry can mend, instead of retries and the
 * generic apology; undefined when retrying (then apologizing) is right. An operator problem is also
 * logged, since the chat user cannot fix it and the operator may not be watching the counters.
 */
export function refusalNote(failure: Failure, model: string, bot: BotConfig, retryMaxMs: number) {
  if (isOverflow(failure)) return MESSAGES.tooLong;
  // A model that left the registry, or no longer chats: the chat needs another (`/model`).
  if (failure.code === 'model_not_found' || failure.code === 'unsupported_capability')
    return MESSAGES.modelUnavailable(model);
  // Spent until the period resets (not merely held by requests in flight): retries cannot help.
  if (failure.code === 'budget_exceeded' && (failure.retryAfterMs ?? 0) > longestWaitMs(retryMaxMs))
    return MESSAGES.outOfBudget;
  if (isOperatorProblem(failure)) {
    console.error('im bot cannot use its key', {
      bot: `${bot.platform}:${bot.id}`,
      key: bot.keyId,
      status: failure.status,
      code: failure.code,
    });
    return MESSAGES.botUnavailable;
  }
  return undefined;
}
