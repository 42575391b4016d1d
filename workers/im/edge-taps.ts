import { MESSAGES } from './commands.ts';
import { INDICATOR_TIMEOUT_MS } from './send/indicator.ts';
import { platformFetch } from './send/platform-fetch.ts';
import { telegramAnswerTap } from './send/telegram.ts';
import type { OutboundRequest } from './send/types.ts';
import type { ImEvent } from './types.ts';

/** The notice a tap gets when it is not answered like typed text (see telegramTap), by its reason. */
const NOTICES: Record<string, string | undefined> = {
  'callback_query:game': MESSAGES.tapGame,
  'callback_query:inline': MESSAGES.tapInline,
};

/**
 * The `answerCallbackQuery` calls for the taps of a body that no Conversation will see (games, inline-mode
 * messages, taps without data): answered from the webhook, or the person's client would show its
 * spinner until it gives up. Taps answered like text are acknowledged by their Conversation instead.
 */
export function edgeTapAnswers(events: ImEvent[], apiBase: string, token: string): OutboundRequest[] {
  return events.flatMap((event) =>
    event.kind === 'ignored' && event.callbackQueryId
      ? [
          {
            ...telegramAnswerTap(apiBase, token, event.callbackQueryId, NOTICES[event.reason ?? '']),
            timeoutMs: INDICATOR_TIMEOUT_MS,
          },
        ]
      : [],
  );
}

/**
 * Send the answers; resolves to how many failed. Best effort like the typing indicator: never retried
 * (a late answer is refused anyway), a failure only counted.
 */
export async function sendTapAnswers(
  requests: OutboundRequest[],
  send: typeof fetch = fetch,
): Promise<number> {
  const delivered = await Promise.all(
    requests.map(async (request) => {
      try {
        const res = await platformFetch(request, request.timeoutMs ?? INDICATOR_TIMEOUT_MS, send);
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false;
      }
    }),
  );
  return delivered.filter((ok) => !ok).length;
}
