import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { conversationConfig } from '../../../durable-objects/conversation/config.ts';
import { ConversationCore } from '../../../durable-objects/conversation/core.ts';
import { gatewayPorts } from '../../../durable-objects/conversation/gateway-ports.ts';
import type { ConversationPorts } from '../../../durable-objects/conversation/ports.ts';
import { TRUNCATION_NOTE } from '../../../durable-objects/conversation/reply-cap.ts';
import { ConversationStore, type HistoryMessage } from '../../../durable-objects/conversation/store.ts';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { CounterBatch, type ImMetric, type Labels } from '../../../workers/im/counters.ts';
import type { BotConfig } from '../../../workers/im/types.ts';
import { postWebhook } from './bots.ts';
import { drive, fakeWorld, testBot, textEvent } from './core-driver.ts';
import { completion, conversation, lastUser, mockModel, mockSendApi, seedBots } from './harness.ts';
import { telegramText } from './payloads.ts';

const MODEL_HOST = 'im-limits-model.test';

beforeAll(() =>
  seedBots({ keyId: 'key_im_limits', modelHost: MODEL_HOST, model: 'im-limits-model' }, [
    { platform: 'telegram', id: 'limits', apiBase: 'http://tg-limits.test' },
  ]),
);

const tg = (update: number, chat: number, text: string) =>
  postWebhook('telegram', 'limits', JSON.stringify(telegramText(update, chat, text)));

function storedHistory(chatKey: string) {
  return runInDurableObject(conversation(chatKey), (_i, state) =>
    state.storage.sql
      .exec('SELECT role, content FROM history ORDER BY seq')
      .toArray()
      .map((r) => ({ role: String(r.role), content: String(r.content) })),
  );
}

describe('Conversation: a huge answer is capped, never sent as hundreds of messages', () => {
  it('sends at most ECO_IM_MAX_REPLY_PARTS (10) parts, the last one marked as cut, and stores only that', async () => {
    mockModel(MODEL_HOST, () => completion('A very long answer indeed. '.repeat(40_000)));
    const sent = mockSendApi('tg-limits.test');
    // Through the gateway and the mocked send API, with a fake clock: the parts are paced a second
    // apart, and each alarm the chat asks for is "fired" by moving the clock to it.
    const world = fakeWorld();
    const result = await drive(
      'telegram:limits:9001',
      {
        ...testBot('telegram', 'limits', { typingIndicator: false }),
        keyId: 'key_im_limits',
        defaultModel: 'im-limits-model',
        accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
      },
      [textEvent('1', '9001', 'write me a novel', { messageId: '1' })],
      world,
      {
        ports: { ...gatewayPorts(env, conversationConfig(env)), apiBase: () => 'http://tg-limits.test' },
      },
    );
    expect(result.backlog).toBe(0);
    expect(sent).toHaveLength(10);
    expect(result.passes.slice(0, 9)).toEqual(
      Array.from({ length: 9 }, (_, i) => 1_000_000 + (i + 1) * 1000),
    );
    for (const s of sent) expect(String(s.body.text).length).toBeLessThanOrEqual(4096);
    expect(String(sent[9]!.body.text).endsWith(TRUNCATION_NOTE)).toBe(true);
    const history = await storedHistory('telegram:limits:9001');
    expect(history.map((h) => h.role)).toEqual(['user', 'assistant']);
    expect(history[1]!.content.length).toBeLessThanOrEqual(10 * 4096 + 20);
  });
});

describe('Conversation: a chat whose history outgrew the model context', () => {
  const overflow = () =>
    Response.json(
      { error: { message: "This model's maximum context length is 64 tokens" } },
      { status: 400 },
    );

  it('answers from the message alone, forgets the history and tells the user', async () => {
    const calls = mockModel(MODEL_HOST, (call) =>
      call.messages.length > 1 ? overflow() : completion(`re: ${lastUser(call)}`),
    );
    const sent = mockSendApi('tg-limits.test');
    await tg(10, 9002, 'first');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await tg(11, 9002, 'second');
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.body.text).toBe(`${MESSAGES.historyDropped}\n\nre: second`);
    expect(calls.map((c) => c.messages.length)).toEqual([1, 3, 1]);
    expect(await storedHistory('telegram:limits:9002')).toEqual([
      { role: 'user', content: 'second' },
      { role: 'assistant', content: 're: second' },
    ]);
    // The next message works normally again, with the short history.
    mockModel(MODEL_HOST, (call) => completion(`re: ${lastUser(call)} (${call.messages.length})`));
    await tg(12, 9002, 'third');
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(sent[2]!.body.text).toBe('re: third (3)');
  });

  it('asks for a shorter message at once when the message alone does not fit', async () => {
    const calls = mockModel(MODEL_HOST, () => overflow());
    const sent = mockSendApi('tg-limits.test');
    await tg(20, 9003, 'an enormous paste');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe(MESSAGES.tooLong);
    expect(calls).toHaveLength(1);
  });
});

/** A store whose history write is refused, as production storage refuses a value over its size limit. */
class RefusingStore extends ConversationStore {
  override appendHistory(messages: HistoryMessage[], keep: number, now: number): number | null {
    if (messages.some((m) => m.content.includes('doomed')))
      throw new Error('SQLITE_TOOBIG: string or blob too big');
    return super.appendHistory(messages, keep, now);
  }
}

class RecordingCounters extends CounterBatch {
  readonly added: string[] = [];
  override add(metric: ImMetric, labels: Labels, value = 1): void {
    this.added.push(`${metric}:${labels.stage ?? labels.outcome ?? ''}`);
    super.add(metric, labels, value);
  }
}

describe('Conversation: an exception while handling one message never wedges the chat', () => {
  it('retries it a bounded number of times, apologizes, and answers the next message', async () => {
    const bot = {
      platform: 'telegram',
      id: 'refuse',
      name: 'refusing store',
      keyId: 'k',
      defaultModel: 'm',
      secretName: 's',
      verifyTokenName: null,
      accessTokenName: 'token',
      apiBase: null,
      // This test is about the reply; the typing indicator has tests of its own.
      settings: { typingIndicator: false },
    } satisfies BotConfig;
    const completions: string[] = [];
    const sent: string[] = [];
    const ports: ConversationPorts = {
      complete: async (call) => {
        const text = String(call.messages.at(-1)?.content);
        completions.push(text);
        return { ok: true, content: `answer to ${text}` };
      },
      listModels: async () => ({ ok: true, models: [] }),
      modelContext: async () => undefined,
      send: async (request) => {
        sent.push(String((JSON.parse(request.body) as { text: string }).text));
        return { status: 200, body: '{"ok":true}', headers: new Headers() };
      },
      secret: () => 'tok',
      apiBase: () => 'http://tg-refuse.test',
    };
    const outcome = await runInDurableObject(conversation('telegram:refuse:1'), async (_i, state) => {
      let now = 1_000_000;
      const counters = new RecordingCounters();
      const core = new ConversationCore({
        store: new RefusingStore(state.storage.sql),
        ports,
        config: { ...conversationConfig({}), maxAttempts: 3, ratePerMinute: 0 },
        counters,
        now: () => now,
        random: () => 0.5,
      });
      const text = (eventId: string, body: string) => ({
        eventId,
        kind: 'text' as const,
        chatId: '1',
        userId: '1',
        text: body,
        timestampMs: now,
      });
      core.enqueue('telegram:refuse:1', bot, [text('1', 'doomed'), text('2', 'next')]);
      const passes: (number | undefined)[] = [];
      for (let pass = 0; pass < 10; pass++) {
        const next = await core.drain();
        passes.push(next);
        if (next === undefined || sent.length === 2) break;
        now = Math.max(now, next);
      }
      const backlog = Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM inbox').one().n);
      return { added: counters.added, backlog, passes };
    });
    expect(completions).toEqual(['doomed', 'doomed', 'doomed', 'next']);
    expect(sent).toEqual([MESSAGES.apology, 'answer to next']);
    expect(outcome.backlog).toBe(0);
    expect(outcome.added.filter((a) => a === 'im_reply_failures_total:internal')).toHaveLength(3);
    expect(outcome.added).toContain('im_replies_total:apology');
    expect(outcome.added).toContain('im_replies_total:answered');
  });
});
