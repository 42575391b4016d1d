import {
  judgeMessage,
  LOOP_PAUSE_MS,
  type LoopState,
  liftPause,
  noteReply,
} from '../../workers/im/bot-loop.ts';
import { MESSAGES } from '../../workers/im/commands.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { Answer } from './answer.ts';
import type { ConversationStore, InboxRow } from './store.ts';

/** State key of the chat's loop detector (workers/im/bot-loop.ts). */
const KEY = 'bot_loop';

/**
 * Only WhatsApp chats are watched: any business number can message ours, bots included. Telegram
 * marks bots (their messages are not answered), and LINE and Messenger deliver no bot's messages.
 */
function watched(bot: BotConfig): boolean {
  return bot.platform === 'whatsapp';
}

/**
 * What the loop detector makes of a message about to be answered: undefined to go on, the one notice
 * when this message pauses the chat, silence while it is paused. A retry was judged on its first try.
 */
export function loopAnswer(
  row: InboxRow,
  bot: BotConfig,
  chatKey: string,
  store: ConversationStore,
): Answer | undefined {
  if (!watched(bot) || row.attempts > 0) return undefined;
  const { verdict, state } = judgeMessage(store.get<LoopState>(KEY), { text: row.text, at: row.receivedAt });
  store.set(KEY, state);
  if (verdict === 'answer') return undefined;
  if (verdict === 'paused') return { kind: 'drop', outcome: 'bot_loop' };
  console.warn('im bot loop suspected: chat paused', {
    chat: chatKey,
    minutes: LOOP_PAUSE_MS / 60_000,
  });
  return { kind: 'reply', text: MESSAGES.botLoop, outcome: 'bot_loop' };
}

/** A reply was delivered at `at`: the next message is judged against it. */
export function noteDelivered(store: ConversationStore, bot: BotConfig, parts: string[], at: number): void {
  if (watched(bot)) store.set(KEY, noteReply(store.get<LoopState>(KEY), parts.join('\n'), at));
}

/** A person asked to start over: a pause is lifted with the history. */
export function liftLoopPause(store: ConversationStore): void {
  const state = store.get<LoopState>(KEY);
  if (state) store.set(KEY, liftPause(state));
}
