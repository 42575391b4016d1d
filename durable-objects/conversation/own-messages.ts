import type { ConversationStore } from './store.ts';

/** State key: ids of the messages the bot sent to the chat, oldest first. */
const KEY = 'own_message_ids';

/**
 * How many of the bot's own message ids a chat remembers. A quote of an older message of the bot is
 * not recognised as addressing it; a few hundred covers any conversation still being quoted.
 */
export const OWN_MESSAGES_KEPT = 200;

/** Remember ids of messages the bot sent (LINE's send answer names them), keeping the newest. */
export function rememberOwnMessages(store: ConversationStore, ids: string[]): void {
  if (ids.length === 0) return;
  const known = store.get<string[]>(KEY) ?? [];
  store.set(KEY, [...known, ...ids].slice(-OWN_MESSAGES_KEPT));
}

export function isOwnMessage(store: ConversationStore, id: string): boolean {
  return (store.get<string[]>(KEY) ?? []).includes(id);
}
