import type { BotConfig } from '../../workers/im/types.ts';
import type { ConversationStore } from './store.ts';

/** State key: when a push to this chat last met LINE's spent monthly allowance. */
const KEY = 'line_quota_spent_at';

/**
 * How long a chat sends no push after LINE said the month's messages are spent; one push is tried
 * again after it. The allowance returns only when the month turns or the plan is raised (or, LINE
 * notes, once a broadcast still in delivery has settled its reservation): an hour catches either
 * without trying, and being refused, on every reply in between.
 */
export const LINE_QUOTA_HOLD_MS = 3_600_000;

/** Bots whose spent allowance was logged lately, in this isolate: one line per bot, not per chat. */
const logged = new Map<string, number>();

/** Whether pushes to this chat are held because the channel's monthly allowance is spent. */
export function lineQuotaHeld(store: ConversationStore, now: number): boolean {
  const at = store.get<number>(KEY);
  return at !== undefined && now >= at && now - at < LINE_QUOTA_HOLD_MS;
}

/** Hold the chat's pushes, and tell the operator (once an hour per bot), who alone can lift it. */
export function holdForLineQuota(store: ConversationStore, bot: BotConfig, now: number): void {
  store.set(KEY, now);
  const botKey = `${bot.platform}:${bot.id}`;
  const last = logged.get(botKey);
  if (last !== undefined && now >= last && now - last < LINE_QUOTA_HOLD_MS) return;
  logged.set(botKey, now);
  console.error(
    'im LINE monthly message limit reached: replies that need a push are not sent until the plan is raised or the month turns',
    { bot: botKey },
  );
}
