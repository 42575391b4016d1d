import { type BotConfig, DEFAULT_GROUP_REPLIES, type GroupReplies, type ImEvent } from './types.ts';

export function groupReplies(bot: BotConfig): GroupReplies {
  return bot.settings.groupReplies === 'all' ? 'all' : DEFAULT_GROUP_REPLIES;
}

/**
 * A group message that cannot be for the bot when it answers only what is addressed to it: no mention,
 * no reply to a bot, no quote (LINE), no command, not the bot's own arrival. Settled at the webhook, so a busy group's chatter never wakes the
 * chat's Conversation; anything that might be for the bot is judged there, against its identity.
 */
export function plainGroupChatter(event: ImEvent, bot: BotConfig): boolean {
  if (event.kind !== 'text' || !event.group || groupReplies(bot) !== 'mentions') return false;
  const { mentions = [], replyToBotId, quotedMessageId, greeting, tap } = event.signals ?? {};
  if (greeting || tap || mentions.length > 0 || replyToBotId !== undefined || quotedMessageId !== undefined)
    return false;
  return !(event.text ?? '').trim().startsWith('/');
}
