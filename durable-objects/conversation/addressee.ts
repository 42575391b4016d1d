import type { ChatCommand } from '../../workers/im/commands.ts';
import { groupReplies } from '../../workers/im/group-filter.ts';
import { classifySend } from '../../workers/im/send/outcome.ts';
import { telegramAccount, telegramGetMe } from '../../workers/im/send/telegram.ts';
import type { BotConfig, Mention } from '../../workers/im/types.ts';
import { isOwnMessage } from './own-messages.ts';
import type { CallResult, ConversationPorts } from './ports.ts';
import type { ConversationStore, InboxRow } from './store.ts';

/** How long a learnt username is trusted: a bot's token may be swapped for another bot's. */
export const OWN_NAME_TTL_MS = 3_600_000;

interface OwnName {
  username: string;
  /** The bot's user id (replies and text mentions name it); absent in names learnt before it was kept. */
  id?: string;
  /** The secret name it was learnt with: a bot pointed at another token asks again. */
  tokenName: string;
  at: number;
}

/**
 * Whether a command is this bot's. In a Telegram group every bot sees `/reset@other_bot` when privacy
 * mode is off: only a command without a name, or with this bot's own username (Telegram compares
 * usernames without regard to case), is ours. The username is asked of Telegram (getMe) only when a
 * group command carries a name, and remembered for the chat. In a private chat no other bot listens,
 * so a misspelt name still reaches us; other platforms have no such names.
 */
export async function commandIsOurs(
  command: ChatCommand,
  group: boolean,
  ctx: AddresseeContext,
): Promise<CallResult<{ ours: boolean }>> {
  if (command.addressedTo === undefined || !group || ctx.bot.platform !== 'telegram')
    return { ok: true, ours: true };
  const own = await ownUsername(ctx);
  if (!own.ok) return own;
  return { ok: true, ours: own.username.toLowerCase() === command.addressedTo.toLowerCase() };
}

type AddresseeContext = { bot: BotConfig; store: ConversationStore; ports: ConversationPorts; now: number };

/**
 * Whether a message is for this bot, and its text without the bot's own mentions (what the model
 * sees). In a direct chat every message is. In a group, it is when it mentions the bot, replies to
 * one of the bot's messages (Telegram) or quotes one (LINE); commands are judged by commandIsOurs. Telegram is asked who the bot is
 * only when a group message carries a mention or replies to some bot.
 */
export async function addressing(
  row: Pick<InboxRow, 'text' | 'target' | 'signals'>,
  ctx: AddresseeContext,
): Promise<CallResult<{ addressed: boolean; text: string }>> {
  const { mentions = [], replyToBotId, greeting, tap } = row.signals;
  if (!row.target.group || greeting || tap) return { ok: true, addressed: true, text: row.text };
  const needsIdentity =
    replyToBotId !== undefined || mentions.some((m) => m.username !== undefined || m.userId !== undefined);
  let own: { username?: string; id?: string } = {};
  if (needsIdentity && ctx.bot.platform === 'telegram') {
    const known = await ownUsername(ctx);
    if (!known.ok) {
      // Where every message is answered anyway, a missing name costs only the stripping.
      if (groupReplies(ctx.bot) === 'all') return { ok: true, addressed: true, text: row.text };
      return known;
    }
    own = known;
  }
  const ours = mentions.filter(
    (m) =>
      m.self === true ||
      (m.username !== undefined && m.username.toLowerCase() === own.username?.toLowerCase()) ||
      (m.userId !== undefined && m.userId === own.id),
  );
  const addressed =
    ours.length > 0 ||
    (replyToBotId !== undefined && replyToBotId === own.id) ||
    (row.signals.quotedMessageId !== undefined && isOwnMessage(ctx.store, row.signals.quotedMessageId));
  return { ok: true, addressed, text: withoutMentions(row.text, ours) };
}

/** The text with these mentions cut out (last first, so earlier offsets stay valid), tidied. */
export function withoutMentions(text: string, mentions: Mention[]): string {
  let out = text;
  for (const m of [...mentions].sort((a, b) => b.offset - a.offset)) {
    if (m.offset + m.length > out.length) continue;
    out = `${out.slice(0, m.offset)}${out.slice(m.offset + m.length)}`;
  }
  if (out === text) return text;
  // "@eco_bot, what is…" reads as "what is…", "thanks @eco_bot !" as "thanks!".
  return out
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t]+([,.!?;:])/g, '$1')
    .replace(/^[\s,:;]+/, '')
    .trim();
}

async function ownUsername(ctx: AddresseeContext): Promise<CallResult<{ username: string; id?: string }>> {
  const { bot, store, ports, now } = ctx;
  const known = store.get<OwnName>('own_name');
  if (known?.id && known.tokenName === bot.accessTokenName && now - known.at < OWN_NAME_TTL_MS)
    return { ok: true, username: known.username, id: known.id };
  const token = ports.secret(bot.accessTokenName);
  if (!token) return { ok: false, retryable: false, status: 0, code: 'missing_access_token' };
  const res = await ports.send(telegramGetMe(ports.apiBase(bot), token));
  const outcome = classifySend(res.status, res.body, res.headers, { telegram: true });
  if (outcome.kind === 'retry')
    return {
      ok: false,
      retryable: true,
      status: res.status,
      code: 'get_me_failed',
      ...(outcome.retryAfterMs ? { retryAfterMs: outcome.retryAfterMs } : {}),
    };
  // A network failure reads as status 0: worth another try.
  if (res.status === 0) return { ok: false, retryable: true, status: 0, code: 'get_me_failed' };
  const account = outcome.kind === 'ok' ? telegramAccount(res.body) : undefined;
  if (!account) return { ok: false, retryable: false, status: res.status, code: 'get_me_refused' };
  store.set('own_name', { ...account, tokenName: bot.accessTokenName, at: now } satisfies OwnName);
  return { ok: true, ...account };
}
