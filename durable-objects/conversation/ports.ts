import type { OutboundRequest } from '../../workers/im/send/types.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { HistoryMessage } from './store.ts';

/** What the Conversation needs from the outside world; the DO wires real fetches, tests pass fakes. */
export interface CompletionCall {
  bot: BotConfig;
  chatKey: string;
  model: string;
  messages: ({ role: 'system'; content: string } | HistoryMessage)[];
}

export type CallResult<T> =
  | ({ ok: true } & T)
  | { ok: false; retryable: boolean; status: number; code: string; retryAfterMs?: number };

export interface SendResponse {
  status: number;
  body: string;
  headers: Headers;
}

export interface ConversationPorts {
  complete(call: CompletionCall): Promise<CallResult<{ content: string }>>;
  /** Model ids (and aliases) the bot's key may use. */
  listModels(bot: BotConfig, chatKey: string): Promise<CallResult<{ models: string[] }>>;
  /** The model's context size in tokens, from the registry; undefined when it cannot be learnt now. */
  modelContext(bot: BotConfig, chatKey: string, model: string): Promise<number | undefined>;
  /** Perform a send API call; a network failure resolves to status 0. */
  send(request: OutboundRequest): Promise<SendResponse>;
  /** A Worker secret by name. */
  secret(name: string | null): string | undefined;
  apiBase(bot: BotConfig): string;
}
