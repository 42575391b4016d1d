import { TEXT_LIMIT } from '../../workers/im/send/types.ts';
import { splitMessage } from '../../workers/im/split-message.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { HistoryMessage } from './store.ts';

/** Ends a reply that was cut at the part cap, so the user knows there was more. */
export const TRUNCATION_NOTE = '…\n\n(The answer was too long to send in full and was cut here.)';
const SHORT_NOTE = '…';

/**
 * Split `text` at `limit` characters into at most `maxParts` parts. A longer answer is cut and its
 * last part ends with a visible note instead of being sent as hundreds of messages: storage rows and
 * the platforms' per-chat send rates both make an unbounded reply fail. Only the first
 * `(maxParts + 1) × limit` characters are ever split, so a huge answer costs no more than a capped one.
 */
export function capReply(
  answer: string,
  limit: number,
  maxParts: number,
): { parts: string[]; truncated: boolean } {
  const max = Math.max(1, Math.floor(maxParts));
  const window = (max + 1) * Math.max(2, Math.floor(limit));
  const text = wellFormed(answer);
  const clipped = text.length > window;
  // Never keep the first half of a pair the window ends inside: a lone surrogate is refused.
  const end = isHighSurrogate(text.charCodeAt(window - 1)) ? window - 1 : window;
  const parts = splitMessage(clipped ? text.slice(0, end) : text, limit);
  if (!clipped && parts.length <= max) return { parts, truncated: false };
  const kept = parts.slice(0, max);
  const last = kept.pop() ?? '';
  // The note goes inside the last part; a tiny limit still gets the ellipsis.
  const note = limit >= TRUNCATION_NOTE.length * 2 ? TRUNCATION_NOTE : SHORT_NOTE;
  const room = Math.max(1, Math.floor(limit) - note.length);
  const head = last.length > room ? (splitMessage(last, room)[0] ?? '') : last;
  kept.push(`${head}${note}`);
  return { parts: kept, truncated: true };
}

/** History keeps an answer as the user saw it, so a huge answer never becomes a huge stored row. */
export function capTurns(turns: HistoryMessage[], limit: number, maxParts: number): HistoryMessage[] {
  return turns.map((t) =>
    t.role === 'assistant' ? { ...t, content: capReply(t.content, limit, maxParts).parts.join('\n\n') } : t,
  );
}

/** Characters per message part for this bot: its own setting, never above the platform's limit. */
export function replyLimit(bot: BotConfig): number {
  const own = bot.settings.maxMessageChars;
  const platform = TEXT_LIMIT[bot.platform];
  return typeof own === 'number' && own > 0 ? Math.min(own, platform) : platform;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The text with every unpaired surrogate (half an emoji, which a model's JSON may carry as `\ud83d`)
 * made U+FFFD. The platforms want UTF-8, which cannot encode one, and refuse the whole message.
 */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
