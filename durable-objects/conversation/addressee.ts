import type { ChatCommand } from '../../workers/im/commands.ts';
import { classifySend } from '../../workers/im/send/outcome.ts';
import { telegramGetMe, telegramUsername } from '../../workers/im/send/telegram.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { CallResult, ConversationPorts } from './ports.ts';
import type { ConversationStore } from './store.ts';

/** How long a learnt username is trusted: a bot's token may be swapped for another bot's. */
export const OWN_NAME_TTL_MS = 3_600_000;

interface OwnName {
  username: string;
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
  ctx: { bot: BotConfig; store: ConversationStore; ports: ConversationPorts; now: number },
): Promise<CallResult<{ ours: boolean }>> {
  if (command.addressedTo === undefined || !group || ctx.bot.platform !== 'telegram')
    return { ok: true, ours: true };
  const own = await ownUsername(ctx);
  if (!own.ok) return own;
  return { ok: true, ours: own.username.toLowerCase() === command.addressedTo.toLowerCase() };
}

async function ownUsername(ctx: {
  bot: BotConfig;
  store: ConversationStore;
  ports: ConversationPorts;
  now: number;
}): Promise<CallResult<{ username: string }>> {
  const { bot, store, ports, now } = ctx;
  const known = store.get<OwnName>('own_name');
  if (known && known.tokenName === bot.accessTokenName && now - known.at < OWN_NAME_TTL_MS)
    return { ok: true, username: known.username };
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
  const username = outcome.kind === 'ok' ? telegramUsername(res.body) : undefined;
  if (!username) return { ok: false, retryable: false, status: res.status, code: 'get_me_refused' };
  store.set('own_name', { username, tokenName: bot.accessTokenName, at: now } satisfies OwnName);
  return { ok: true, username };
}
