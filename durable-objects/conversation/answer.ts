import { helpText, MESSAGES, parseCommand } from '../../workers/im/commands.ts';
import { groupReplies } from '../../workers/im/group-filter.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import { addressing, commandIsOurs } from './addressee.ts';
import { liftLoopPause, loopAnswer } from './bot-loop-guard.ts';
import type { ConversationConfig } from './config.ts';
import { unsendable } from './delivery.ts';
import type { CallResult, ConversationPorts } from './ports.ts';
import { fitPrompt, promptBudget } from './prompt-fit.ts';
import { isOverflow, refusalNote } from './refusals.ts';
import type { ConversationStore, HistoryMessage, InboxRow } from './store.ts';
import { type BucketState, takeToken } from './token-bucket.ts';

/** What a message turns into before anything is sent. */
export type Answer =
  | {
      kind: 'reply';
      text: string;
      outcome: 'answered' | 'command' | 'welcome' | 'rate_limited' | 'not_text' | 'bot_loop';
      turns?: HistoryMessage[];
    }
  /**
   * Nothing is sent: a flood past the notice, a group command addressed to another bot, or a group
   * message not addressed to the bot where it answers only those (groupReplies `mentions`).
   */
  | { kind: 'drop'; outcome: 'rate_limited' | 'not_addressed' | 'bot_loop' }
  /** No reply can ever be sent (the bot's send token is not set): the model is not asked. */
  | { kind: 'unsendable'; detail: string }
  | {
      kind: 'failed';
      failure: Extract<CallResult<object>, { ok: false }>;
      /** Set when retrying cannot help: this is sent at once instead of the generic apology. */
      apology?: string;
    };

export interface AnswerContext {
  bot: BotConfig;
  chatKey: string;
  store: ConversationStore;
  ports: ConversationPorts;
  config: ConversationConfig;
  now: number;
  /** Called once the message is known to go to the model, just before the first call (typing indicator). */
  beforeModel?: () => void;
}

export function currentModel(ctx: Pick<AnswerContext, 'bot' | 'store'>): string {
  return ctx.store.get<string>('model') ?? ctx.bot.defaultModel;
}

/**
 * Commands answer locally; other text goes to the model. Everything answered goes through the per-chat
 * rate limit first.
 */
export async function prepareAnswer(row: InboxRow, ctx: AnswerContext): Promise<Answer> {
  const addressee = await addressing(row, ctx);
  if (!addressee.ok) return { kind: 'failed', failure: addressee };
  const text = addressee.text;
  const command = parseCommand(text);
  if (command) {
    const ours = await commandIsOurs(command, row.target.group === true, ctx);
    if (!ours.ok) return { kind: 'failed', failure: ours };
    // Another bot's command: ignored entirely, as bots in a group conventionally do. So is a command
    // we do not know, said in a group without our name: it is most likely another bot's.
    const foreign = command.name === 'unknown' && command.addressedTo === undefined && row.target.group;
    if (!ours.ours || foreign) return { kind: 'drop', outcome: 'not_addressed' };
    // Every answer is a message sent: a flood of /start or /help is throttled like any other.
    return rateLimit(row, ctx) ?? runCommand(command, row, ctx);
  }
  // Checked before the rate limit: chatter the bot ignores must not spend the chat's allowance.
  if (row.target.group && !addressee.addressed && groupReplies(ctx.bot) === 'mentions')
    return { kind: 'drop', outcome: 'not_addressed' };

  // Before the rate limit: a paused chat's messages spend nothing.
  const loop = loopAnswer(row, ctx.bot, ctx.chatKey, ctx.store);
  if (loop) return loop;
  const limited = rateLimit(row, ctx);
  if (limited) return limited;

  const attachment = row.signals.attachment;
  // A first tap (Get Started, a LINE follow), or a bare mention of the bot: say what it does.
  if (row.signals.greeting || (text === '' && row.text !== '' && attachment === undefined))
    return { kind: 'reply', text: helpText(currentModel(ctx), groupHint(row, ctx)), outcome: 'welcome' };
  // A photo, voice note or file (see ImEvent), or one whose caption only named the bot: the model
  // reads text only, so say so.
  if (text === '') return { kind: 'reply', text: MESSAGES.textOnly, outcome: 'not_text' };

  // A reply that can never be sent is not worth a model call (nor its bill).
  const cannotSend = unsendable(ctx.bot, ctx.ports);
  if (cannotSend !== null) return { kind: 'unsendable', detail: cannotSend };
  ctx.beforeModel?.();
  const model = currentModel(ctx);
  const system = ctx.bot.settings.systemPrompt;
  // The model hears of the unseen attachment too, so it does not answer as if it had seen it.
  const content = attachment ? `${MESSAGES.attachmentForModel(attachment)}\n${text}` : text;
  const user: HistoryMessage = { role: 'user', content };
  const call = (history: HistoryMessage[], maxTokens: number) =>
    ctx.ports.complete({
      bot: ctx.bot,
      chatKey: ctx.chatKey,
      model,
      messages: fitPrompt(system, history, user, maxTokens).messages,
    });
  const history = ctx.store.history(ctx.config.historyMessages);
  const budget = promptBudget(
    ctx.config.promptMaxTokens,
    history.length > 0 ? await ctx.ports.modelContext(ctx.bot, ctx.chatKey, model) : undefined,
    ctx.bot.settings.maxTokens,
  );
  let result = await call(history, budget);
  const notices: string[] = [];
  if (!result.ok && isOverflow(result) && history.length > 0) {
    // The estimate fitted but the engine's real context (or the gateway's body limit) did not: answer
    // from the message alone and forget the history (it would overflow again on every later message),
    // telling the user why.
    result = await call([], Number.POSITIVE_INFINITY);
    if (result.ok) {
      ctx.store.clearHistory();
      notices.push(MESSAGES.historyDropped);
    }
  }
  if (!result.ok) {
    const apology = refusalNote(result, model, ctx.bot, ctx.config.retryMaxMs);
    return { kind: 'failed', failure: result, ...(apology ? { apology } : {}) };
  }
  if (attachment) notices.push(MESSAGES.attachmentNotRead(attachment));
  const answer = result.content.trim() === '' ? MESSAGES.empty : result.content;
  return {
    kind: 'reply',
    text: [...notices, answer].join('\n\n'),
    outcome: 'answered',
    turns: [user, { role: 'assistant', content: answer }],
  };
}

/**
 * The per-chat limit: undefined when the message may be answered, else the notice or silence. It is
 * charged by when each message arrived, not when its turn came: behind a slow model the bucket would
 * refill between turns and let a whole flood through, each message a model call.
 */
function rateLimit(row: InboxRow, ctx: AnswerContext): Answer | undefined {
  // A rate of 0 turns the per-chat limit off; a retry of the same message is not charged again.
  if (ctx.config.ratePerMinute > 0 && row.attempts === 0) {
    const previous = ctx.store.get<BucketState>('bucket');
    // Never back in time, should an arrival time lag one already charged (a clock step).
    const at = Math.max(row.receivedAt, previous?.updatedAt ?? Number.NEGATIVE_INFINITY);
    const bucket = takeToken(
      previous,
      { perMinute: ctx.config.ratePerMinute, burst: ctx.config.rateBurst },
      at,
    );
    ctx.store.set('bucket', bucket.state);
    if (!bucket.allowed) {
      // Tell the user at most once a minute, not once per message of a flood.
      const notifiedAt = ctx.store.get<number>('rate_notified_at') ?? Number.NEGATIVE_INFINITY;
      if (at - notifiedAt < 60_000) return { kind: 'drop', outcome: 'rate_limited' };
      ctx.store.set('rate_notified_at', at);
      return { kind: 'reply', text: MESSAGES.rateLimited, outcome: 'rate_limited' };
    }
  }
  return undefined;
}

/** In a group where the bot answers only what is addressed to it, the help says how to address it. */
function groupHint(row: InboxRow, ctx: AnswerContext): boolean {
  return row.target.group === true && groupReplies(ctx.bot) === 'mentions';
}

async function runCommand(
  command: NonNullable<ReturnType<typeof parseCommand>>,
  row: InboxRow,
  ctx: AnswerContext,
): Promise<Answer> {
  const reply = (text: string): Answer => ({ kind: 'reply', text, outcome: 'command' });
  switch (command.name) {
    case 'help':
      return reply(helpText(currentModel(ctx), groupHint(row, ctx)));
    case 'reset':
      ctx.store.clearHistory();
      liftLoopPause(ctx.store);
      return reply(MESSAGES.reset);
    case 'unknown':
      return reply(MESSAGES.unknownCommand(command.command));
    case 'model': {
      const listed = await ctx.ports.listModels(ctx.bot, ctx.chatKey);
      if (!listed.ok) {
        const apology = refusalNote(listed, currentModel(ctx), ctx.bot, ctx.config.retryMaxMs);
        return { kind: 'failed', failure: listed, ...(apology ? { apology } : {}) };
      }
      if (command.model === undefined) return reply(MESSAGES.modelList(currentModel(ctx), listed.models));
      if (!listed.models.includes(command.model))
        return reply(MESSAGES.modelUnknown(command.model, listed.models));
      ctx.store.set('model', command.model);
      return reply(MESSAGES.modelSet(command.model));
    }
  }
}
