import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Platform } from '../../../workers/im/types.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { seedBot } from './bots.ts';

export function completion(content: string) {
  return Response.json({
    id: 'chatcmpl-im',
    object: 'chat.completion',
    created: 1,
    model: 'engine',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
  });
}

/** An API key, an engine pool on a mocked origin, and a model routed to it. */
export async function seedModelBackend(keyId: string, host: string, model: string, allowedModels?: string[]) {
  await seedKey({ id: keyId, ...(allowedModels ? { allowedModels } : {}) });
  await seedPool(
    {
      name: `${model}-pool`,
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${host}`, capacity: 8, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 2 },
      // Outage tests need every failure to reach the Conversation, not an open circuit.
      breaker: { consecutiveFailures: 1000, failureRate: 1, minRequests: 100_000 },
      health: { enabled: false },
    } as Parameters<typeof seedPool>[0],
    model,
  );
}

/** A bot seedBots adds: it bills to the backend's key and answers with its model. */
export interface BackendBot {
  platform: Platform;
  id: string;
  apiBase: string;
  settings?: Record<string, unknown>;
}

/** Seed a model backend (see seedModelBackend) and `bots`, each billing to its key and answering with its model. */
export async function seedBots(
  backend: { keyId: string; modelHost: string; model: string },
  bots: BackendBot[] = [],
): Promise<void> {
  await seedModelBackend(backend.keyId, backend.modelHost, backend.model);
  for (const bot of bots) await seedBot({ ...bot, keyId: backend.keyId, model: backend.model });
}

/** The names of a Telegram bot with its own key, model, mocked engine host and mocked Bot API host. */
export interface TelegramBotNames {
  id: string;
  keyId: string;
  model: string;
  modelHost: string;
  api: string;
}

export function telegramBotNames(name: string): TelegramBotNames {
  return {
    id: name,
    keyId: `key_im_${name}`,
    model: `im-${name}`,
    modelHost: `im-${name}-model.test`,
    api: `tg-${name}.test`,
  };
}

/** Seed a Telegram bot named `name` (see telegramBotNames) and the model backend it answers with. */
export async function seedTelegramBot(
  name: string,
  settings?: Record<string, unknown>,
): Promise<TelegramBotNames> {
  const names = telegramBotNames(name);
  await seedBots(names, [
    { platform: 'telegram', id: names.id, apiBase: `http://${names.api}`, ...(settings ? { settings } : {}) },
  ]);
  return names;
}

export interface ModelCall {
  messages: { role: string; content: string }[];
  model: string;
  max_tokens?: number;
}

/** The mocked engine: records prompts and answers with `answer(call)`. */
export function mockModel(host: string, answer: (call: ModelCall) => Response | Promise<Response>) {
  const calls: ModelCall[] = [];
  mockOrigin(host, async (req) => {
    if (req.method !== 'POST') return Response.json({});
    const call = (await req.json()) as ModelCall;
    calls.push(call);
    return answer(call);
  });
  return calls;
}

export interface SentCall {
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Typing/loading indicator calls, which tests usually want apart from the reply's messages. */
export function isIndicatorCall(call: Pick<SentCall, 'url' | 'body'>): boolean {
  return (
    call.url.endsWith('/sendChatAction') ||
    call.url.includes('/chat/loading/start') ||
    call.body.sender_action !== undefined ||
    call.body.status === 'read'
  );
}

/** Telegram's getMe answer for a bot named `eco_bot`. */
export const telegramIdentity = () =>
  Response.json({ ok: true, result: { id: 1, is_bot: true, first_name: 'Eco', username: 'eco_bot' } });

/**
 * A mocked platform send API that records every call: messages in the array, typing indicator calls
 * in `indicators` (answered by `indicator`, 200 by default), Telegram getMe calls in `identity`,
 * Telegram answerCallbackQuery calls in `acks` (answered by `ack`).
 */
export function mockSendApi(
  host: string,
  answer: (call: SentCall) => Response = () => Response.json({ ok: true }),
  indicator: (call: SentCall) => Response | Promise<Response> = () => Response.json({ ok: true }),
  identity: () => Response | Promise<Response> = telegramIdentity,
  ack: () => Response | Promise<Response> = () => Response.json({ ok: true, result: true }),
) {
  const sent: SentCall[] & { indicators: SentCall[]; identity: string[]; acks: SentCall[] } = Object.assign(
    [],
    { indicators: [], identity: [], acks: [] },
  );
  mockOrigin(host, async (req) => {
    if (new URL(req.url).pathname.endsWith('/getMe')) {
      sent.identity.push(req.url);
      return identity();
    }
    const call = { url: req.url, headers: req.headers, body: (await req.json()) as Record<string, unknown> };
    if (call.url.endsWith('/answerCallbackQuery')) {
      sent.acks.push(call);
      return ack();
    }
    if (isIndicatorCall(call)) {
      sent.indicators.push(call);
      return indicator(call);
    }
    sent.push(call);
    return answer(call);
  });
  return sent;
}

export const lastUser = (call: ModelCall) => call.messages.at(-1)?.content;

export function conversation(chatKey: string) {
  return env.CONVERSATION.getByName(chatKey);
}

/** Messages still waiting in a chat's inbox. */
export function backlog(chatKey: string): Promise<number> {
  return runInDurableObject(conversation(chatKey), (_instance, state) =>
    Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM inbox').one().n),
  );
}

export async function counter(metric: string, labels: string): Promise<number> {
  const row = await env.DB.prepare('SELECT value FROM im_counters WHERE metric = ? AND labels = ?')
    .bind(metric, labels)
    .first<{ value: number }>();
  return row?.value ?? 0;
}
