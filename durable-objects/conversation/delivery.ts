import {
  LINE_MAX_MESSAGES,
  LINE_REPLY_TOKEN_MAX_AGE_MS,
  linePushRequest,
  lineReplyRequest,
  lineRetryKey,
  lineSentMessageIds,
} from '../../workers/im/send/line.ts';
import { messengerRequest } from '../../workers/im/send/messenger.ts';
import { classifySend, type SendOutcome } from '../../workers/im/send/outcome.ts';
import { telegramRequest } from '../../workers/im/send/telegram.ts';
import type { OutboundRequest, SendInput } from '../../workers/im/send/types.ts';
import { whatsappRequest } from '../../workers/im/send/whatsapp.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import { holdForLineQuota, lineQuotaHeld } from './line-quota.ts';
import { rememberOwnMessages } from './own-messages.ts';
import { partGapMs } from './pacing.ts';
import type { ConversationPorts } from './ports.ts';
import { capReply, replyLimit } from './reply-cap.ts';
import type { ConversationStore, InboxRow } from './store.ts';

export type DeliveryResult =
  | { kind: 'done' }
  /** The next part must not go out before `until` (the platform's per-chat rate). */
  | { kind: 'wait'; until: number }
  | { kind: 'retry'; status: number; retryAfterMs?: number; detail: string }
  | { kind: 'permanent'; status: number; detail: string }
  /** LINE's monthly allowance is spent: no push can go out until it returns (see line-quota.ts). */
  | { kind: 'quota'; status: number; detail: string }
  /** The message left the inbox while a part was out (the bot removed from the chat): nothing more goes. */
  | { kind: 'gone' };

/** State key: when the chat's last part went out, so the next part of the reply keeps its distance. */
const LAST_PART_AT = 'last_part_at';

const missingToken = (bot: BotConfig) => `the access token secret '${bot.accessTokenName}' is not set`;

/** Why nothing can be sent for `bot` at all (null: sends can be tried), asked before the model is. */
export function unsendable(bot: BotConfig, ports: ConversationPorts): string | null {
  return ports.secret(bot.accessTokenName) ? null : missingToken(bot);
}

/**
 * Send the row's remaining parts in order, recording progress after each call so a retry (or a
 * restart) resumes with the first undelivered part instead of repeating delivered ones. Parts after
 * the first keep the platform's per-chat gap: rather than wait here, the call returns `wait` and the
 * object's alarm resumes the reply from the stored progress.
 */
export async function deliver(
  row: InboxRow,
  bot: BotConfig,
  store: ConversationStore,
  ports: ConversationPorts,
  clock: () => number,
): Promise<DeliveryResult> {
  let parts = row.answer ?? [];
  const token = ports.secret(bot.accessTokenName);
  if (!token) return { kind: 'permanent', status: 0, detail: missingToken(bot) };
  let sent = row.partsSent;
  let tokenUsed = row.replyTokenUsed;
  let moved = false;
  const gap = partGapMs(bot.platform, row.target.chatId);
  while (sent < parts.length) {
    const lastPartAt = store.get<number>(LAST_PART_AT);
    if (sent > 0 && gap > 0 && lastPartAt !== undefined && clock() < lastPartAt + gap) {
      // Bounded by one gap from now, should the stored time lie ahead of this clock.
      return { kind: 'wait', until: Math.min(lastPartAt + gap, clock() + gap) };
    }
    const now = clock();
    const lineReply =
      bot.platform === 'line' &&
      !tokenUsed &&
      row.target.replyToken !== undefined &&
      now - (row.eventAt || row.receivedAt) < LINE_REPLY_TOKEN_MAX_AGE_MS;
    // A reply token still works (replies are free); a push would only be refused again.
    if (bot.platform === 'line' && !lineReply && lineQuotaHeld(store, now))
      return { kind: 'quota', status: 429, detail: 'monthly message limit reached (push held)' };
    // The reply is all that can go out while pushes are held: an answer longer than one reply carries is
    // cut to fit it, with the note that says so, rather than stopping silently after its fifth part.
    // Only for this reply: the stored answer stays whole for a retry after the hold has lifted.
    if (lineReply && parts.length - sent > LINE_MAX_MESSAGES && lineQuotaHeld(store, now)) {
      const fitted = capReply(parts.slice(sent).join('\n'), replyLimit(bot), LINE_MAX_MESSAGES).parts;
      parts = [...parts.slice(0, sent), ...fitted];
    }
    const input: SendInput = {
      apiBase: ports.apiBase(bot),
      token,
      target: row.target,
      parts: parts.slice(sent),
      offset: sent,
    };
    const request = await buildRequest(bot, input, lineReply, row.phase);
    // Every await lets a webhook in: one that dropped the message stops its reply here.
    if (store.head()?.seq !== row.seq) return { kind: 'gone' };
    const response = await ports.send(request);
    const outcome: SendOutcome =
      response.status === 0
        ? { kind: 'retry', status: 0 }
        : classifySend(response.status, response.body, response.headers, {
            lineReply,
            linePush: bot.platform === 'line' && !lineReply,
            meta: bot.platform === 'whatsapp' || bot.platform === 'messenger',
            telegram: bot.platform === 'telegram',
          });
    // A reply token is single use: once LINE took or refused it, later parts (and retries) push. An
    // answer to retry leaves it for the retry while it is fresh: a 429 never spent it, and one spent
    // by a 5xx comes back refused (then pushed), as a push would have been sent anyway.
    if (lineReply && outcome.kind !== 'retry') {
      tokenUsed = true;
      store.update(row.seq, { replyTokenUsed: true });
    }
    if (outcome.kind === 'reply_token_invalid') continue;
    if (outcome.kind === 'quota_exhausted') {
      holdForLineQuota(store, bot, clock());
      return { kind: 'quota', status: outcome.status, detail: outcome.detail };
    }
    if (outcome.kind === 'chat_moved') {
      // Once per delivery: a chat that says it moved again is not followed round in circles.
      if (moved) return { kind: 'permanent', status: response.status, detail: response.body.slice(0, 200) };
      moved = true;
      row.target = { ...row.target, chatId: outcome.chatId };
      store.update(row.seq, { target: row.target });
      continue;
    }
    if (outcome.kind === 'retry') {
      return {
        kind: 'retry',
        status: outcome.status,
        ...(outcome.retryAfterMs ? { retryAfterMs: outcome.retryAfterMs } : {}),
        detail: response.body.slice(0, 200),
      };
    }
    if (outcome.kind === 'permanent')
      return { kind: 'permanent', status: outcome.status, detail: outcome.detail };
    sent += request.parts;
    // Tries count from the last part that went out: a long reply's transient failures, spread over its
    // parts, do not add up to an apology halfway through it.
    store.update(row.seq, { partsSent: sent, attempts: 0 });
    // In a LINE group, a quote of one of these later addresses the bot (see addressee.ts).
    if (bot.platform === 'line' && row.target.group)
      rememberOwnMessages(store, lineSentMessageIds(response.body));
    if (gap > 0) store.set(LAST_PART_AT, clock());
  }
  return { kind: 'done' };
}

async function buildRequest(
  bot: BotConfig,
  input: SendInput,
  lineReply: boolean,
  phase: InboxRow['phase'],
): Promise<OutboundRequest> {
  switch (bot.platform) {
    case 'telegram':
      return telegramRequest(input);
    case 'whatsapp':
      return whatsappRequest(input);
    case 'messenger':
      return messengerRequest(input);
    case 'line':
      return lineReply
        ? lineReplyRequest(input)
        : linePushRequest(input, await lineRetryKey(input.target.eventId, input.offset, phase));
  }
}
