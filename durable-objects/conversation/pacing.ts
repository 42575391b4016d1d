import type { Platform } from '../../workers/im/types.ts';

/**
 * Least time between two parts of one reply to a chat, from the platforms' per-chat send rates:
 * Telegram about 1 message/s per chat and 20/min in a group (negative chat ids), so 1 s and 3 s.
 * WhatsApp's pair rate (about 1 per 6 s to one user) lets a short burst through, which a capped reply
 * stays within; LINE sends up to five parts per call and, like Messenger, has no per-chat rate. A
 * throttled send is still retried with the platform's Retry-After.
 */
export function partGapMs(platform: Platform, chatId: string): number {
  if (platform !== 'telegram') return 0;
  return chatId.startsWith('-') ? 3000 : 1000;
}
