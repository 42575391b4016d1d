import { runInDurableObject } from 'cloudflare:test';
import { type ConversationConfig, conversationConfig } from '../../../durable-objects/conversation/config.ts';
import { ConversationCore } from '../../../durable-objects/conversation/core.ts';
import type {
  CallResult,
  ConversationPorts,
  SendResponse,
} from '../../../durable-objects/conversation/ports.ts';
import { ConversationStore } from '../../../durable-objects/conversation/store.ts';
import { CounterBatch, type ImMetric, type Labels } from '../../../workers/im/counters.ts';
import type { OutboundRequest } from '../../../workers/im/send/types.ts';
import type { BotConfig, BotSettings, ImEvent, Platform } from '../../../workers/im/types.ts';
import { conversation } from './harness.ts';

/**
 * Drives a ConversationCore inside a real Conversation object's storage with a fake clock and fake
 * ports, so tests control time (alarms become "advance the clock to what drain returned").
 */
export function testBot(platform: Platform, id: string, settings: BotSettings = {}): BotConfig {
  return {
    platform,
    id,
    name: `${platform} core test bot`,
    keyId: 'k',
    defaultModel: 'm',
    secretName: 'S',
    verifyTokenName: null,
    accessTokenName: 'TOKEN',
    apiBase: null,
    settings,
  };
}

export interface Sent {
  at: number;
  url: string;
  body: Record<string, unknown>;
}

/** One entry per outside call, in order: what the chat did, and when. */
export type LogEntry = { kind: 'complete'; at: number; text: string } | ({ kind: 'send' } & Sent);

export class RecordingCounters extends CounterBatch {
  readonly added: { metric: ImMetric; labels: Labels }[] = [];
  override add(metric: ImMetric, labels: Labels, value = 1): void {
    this.added.push({ metric, labels });
    super.add(metric, labels, value);
  }
  count(metric: ImMetric): number {
    return this.added.filter((a) => a.metric === metric).length;
  }
}

export interface FakeWorld {
  now: number;
  log: LogEntry[];
  /** The model's answer to a message, or a failure. */
  answer: (text: string) => CallResult<{ content: string }> | Promise<CallResult<{ content: string }>>;
  /** The platform's answer to a send call. */
  respond: (request: OutboundRequest) => SendResponse | Promise<SendResponse>;
}

export const ok = (): SendResponse => ({ status: 200, body: '{"ok":true}', headers: new Headers() });

/** What the model was asked, in order: the last message of each call. */
export function asked(world: FakeWorld): string[] {
  return world.log.flatMap((e) => (e.kind === 'complete' ? [e.text] : []));
}

/** Every send API call, in order (replies, indicators, acknowledgements). */
export function sends(world: FakeWorld): Sent[] {
  return world.log.filter((e): e is LogEntry & Sent => e.kind === 'send');
}

/** The `im_replies_total` outcomes counted, in order. */
export function outcomes(counters: RecordingCounters): string[] {
  return counters.added.filter((a) => a.metric === 'im_replies_total').map((a) => String(a.labels.outcome));
}

export function fakeWorld(overrides: Partial<FakeWorld> = {}): FakeWorld {
  return {
    now: 1_000_000,
    log: [],
    answer: (text) => ({ ok: true, content: `answer to ${text}` }),
    respond: ok,
    ...overrides,
  };
}

export function fakePorts(world: FakeWorld): ConversationPorts {
  return {
    complete: async (call) => {
      const text = String(call.messages.at(-1)?.content);
      world.log.push({ kind: 'complete', at: world.now, text });
      return world.answer(text);
    },
    listModels: async () => ({ ok: true, models: [] }),
    modelContext: async () => undefined,
    send: async (request) => {
      world.log.push({
        kind: 'send',
        at: world.now,
        url: request.url,
        body: JSON.parse(request.body) as Record<string, unknown>,
      });
      return world.respond(request);
    },
    secret: () => 'tok',
    apiBase: (bot) => `http://${bot.platform}.core.test`,
  };
}

export function textEvent(
  eventId: string,
  chatId: string,
  text: string,
  extra: Partial<ImEvent> = {},
): ImEvent {
  return { eventId, kind: 'text', chatId, userId: chatId, text, timestampMs: 1_000_000, ...extra };
}

export interface DriveResult {
  /** What each drain pass returned (the alarm it asked for). */
  passes: (number | undefined)[];
  backlog: number;
}

/**
 * Enqueue `events` and run drain passes, each time moving the clock to the alarm the previous pass
 * asked for, until nothing is left or `maxPasses` ran.
 */
export function drive(
  chatKey: string,
  bot: BotConfig,
  events: ImEvent[],
  world: FakeWorld,
  options: {
    counters?: CounterBatch;
    config?: Partial<ConversationConfig>;
    maxPasses?: number;
    /** Real ports (the gateway, mocked platform APIs) instead of the recording fakes. */
    ports?: ConversationPorts;
  } = {},
): Promise<DriveResult> {
  return runInDurableObject(conversation(chatKey), async (_instance, state) => {
    const core = new ConversationCore({
      store: new ConversationStore(state.storage.sql),
      ports: options.ports ?? fakePorts(world),
      config: { ...conversationConfig({}), ratePerMinute: 0, ...options.config },
      counters: options.counters ?? new CounterBatch(),
      now: () => world.now,
      random: () => 0.5,
    });
    core.enqueue(chatKey, bot, events);
    const passes: (number | undefined)[] = [];
    for (let pass = 0; pass < (options.maxPasses ?? 20); pass++) {
      const next = await core.drain();
      passes.push(next);
      const backlog = Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM inbox').one().n);
      if (next === undefined || backlog === 0) return { passes, backlog };
      world.now = Math.max(world.now, next);
    }
    return {
      passes,
      backlog: Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM inbox').one().n),
    };
  });
}
