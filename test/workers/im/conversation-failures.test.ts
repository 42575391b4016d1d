import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ConversationStore } from '../../../durable-objects/conversation/store.ts';
import { findBot } from '../../../workers/im/bots.ts';
import { imMetricsText } from '../../../workers/im/metrics.ts';
import { seedKey } from '../helpers/seed.ts';
import { postWebhook } from './bots.ts';
import {
  backlog,
  completion,
  conversation,
  counter,
  lastUser,
  mockModel,
  mockSendApi,
  seedBots,
} from './harness.ts';
import { telegramText } from './payloads.ts';

const MODEL_HOST = 'im-fail-model.test';

beforeAll(async () => {
  await seedBots({ keyId: 'key_im_fail', modelHost: MODEL_HOST, model: 'im-fail-model' }, [
    { platform: 'telegram', id: 'fail', apiBase: 'http://tg-fail.test' },
  ]);
  // Outage scenarios get their own engine pools: an open circuit must not leak into other tests.
  for (const name of ['flaky', 'down']) {
    await seedBots({ keyId: `key_im_${name}`, modelHost: `im-${name}.test`, model: `im-${name}-model` }, [
      { platform: 'telegram', id: name, apiBase: 'http://tg-fail.test' },
    ]);
  }
});

const tg = (update: number, chat: number, text: string) =>
  postWebhook('telegram', 'fail', JSON.stringify(telegramText(update, chat, text)));
const labels = (extra: string) => `bot="fail",${extra}platform="telegram"`;
const sendFailures = `bot="fail",platform="telegram",stage="send"`;

describe('Conversation: failures are retried, then apologized for, never dropped silently', () => {
  it('retries a model outage with backoff and answers once it recovers', async () => {
    let failures = 2;
    const calls = mockModel('im-flaky.test', () =>
      failures-- > 0 ? Response.json({ error: 'overloaded' }, { status: 500 }) : completion('recovered'),
    );
    const sent = mockSendApi('tg-fail.test');
    await postWebhook('telegram', 'flaky', JSON.stringify(telegramText(1, 8001, 'hello')));
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe('recovered');
    expect(calls.length).toBe(3);
  });

  it('answers with an apology when the model stays down past the attempt limit, then moves on', async () => {
    const calls = mockModel('im-down.test', (call) =>
      lastUser(call) === 'doomed' ? Response.json({ error: 'down' }, { status: 500 }) : completion('fine'),
    );
    const sent = mockSendApi('tg-fail.test');
    const down = (update: number, text: string) =>
      postWebhook('telegram', 'down', JSON.stringify(telegramText(update, 8002, text)));
    const before = await counter('im_replies_total', 'bot="down",outcome="apology",platform="telegram"');
    await down(10, 'doomed');
    await down(11, 'next');
    await vi.waitFor(() => expect(sent).toHaveLength(2), { timeout: 3000 });
    expect(sent.map((s) => s.body.text)).toEqual([expect.stringMatching(/^Sorry/), 'fine']);
    // ECO_IM_MAX_ATTEMPTS defaults to 5: five tries of the doomed message, then the next one.
    expect(calls.map(lastUser)).toEqual(['doomed', 'doomed', 'doomed', 'doomed', 'doomed', 'next']);
    await vi.waitFor(async () =>
      expect(await counter('im_replies_total', 'bot="down",outcome="apology",platform="telegram"')).toBe(
        before + 1,
      ),
    );
    expect(await counter('im_reply_failures_total', 'bot="down",platform="telegram",stage="model"')).toBe(5);
  });

  it('re-sends after a platform 5xx without asking the model again', async () => {
    const calls = mockModel(MODEL_HOST, () => completion('sent eventually'));
    let failures = 2;
    const sent = mockSendApi('tg-fail.test', () =>
      failures-- > 0
        ? Response.json({ ok: false, error_code: 502, description: 'Bad Gateway' }, { status: 502 })
        : Response.json({ ok: true }),
    );
    await tg(20, 8003, 'hi');
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(calls).toHaveLength(1);
    expect(new Set(sent.map((s) => s.body.text))).toEqual(new Set(['sent eventually']));
  });

  it('counts a reply the platform refuses for good as undeliverable, without retrying', async () => {
    mockModel(MODEL_HOST, () => completion('blocked'));
    const sent = mockSendApi('tg-fail.test', () =>
      Response.json(
        { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
        { status: 403 },
      ),
    );
    const before = await counter('im_replies_total', labels('outcome="undeliverable",'));
    await tg(30, 8004, 'hi');
    await vi.waitFor(async () =>
      expect(await counter('im_replies_total', labels('outcome="undeliverable",'))).toBe(before + 1),
    );
    expect(sent).toHaveLength(1);
    expect(await backlog('telegram:fail:8004')).toBe(0);
  });

  it('when the platform stays down: reply attempts, then apology attempts, then undeliverable — all counted', async () => {
    mockModel(MODEL_HOST, () => completion('never arrives'));
    const sent = mockSendApi('tg-fail.test', () => new Response('down', { status: 503 }));
    const failuresBefore = await counter('im_reply_failures_total', sendFailures);
    await tg(40, 8005, 'hi');
    await vi.waitFor(async () => expect(await backlog('telegram:fail:8005')).toBe(0));
    expect(sent.map((s) => s.body.text)).toEqual([
      ...Array(5).fill('never arrives'),
      ...Array(5).fill(expect.stringMatching(/^Sorry/)),
    ]);
    await vi.waitFor(async () =>
      expect(await counter('im_reply_failures_total', sendFailures)).toBe(failuresBefore + 10),
    );
    expect(await imMetricsText(env)).toContain('# TYPE im_replies_total counter');
    // Webhook counters are buffered per isolate and flushed within a second.
    await vi.waitFor(
      async () =>
        expect(
          await counter('im_webhook_requests_total', 'bot="fail",platform="telegram",result="accepted"'),
        ).toBeGreaterThan(0),
      { timeout: 3000 },
    );
    // The same counters on the gateway's /metrics, for any isolate that serves the scrape.
    const admin = await seedKey({ scopes: ['admin'] });
    const scrape = await exports.default.fetch('http://gw/metrics', {
      headers: { authorization: `Bearer ${admin}` },
    });
    const text = await scrape.text();
    expect(text).toMatch(/im_replies_total\{bot="fail",outcome="undeliverable",platform="telegram"\} \d+/);
    expect(text).toMatch(/im_reply_failures_total\{bot="fail",platform="telegram",stage="send"\} \d+/);
    expect(text).toMatch(/im_webhook_requests_total\{bot="fail",platform="telegram",result="accepted"\} \d+/);
  });

  it('apologizes at once, with a hint, when the chosen model is no longer allowed', async () => {
    const sent = mockSendApi('tg-fail.test');
    const chat = 'telegram:fail:8006';
    mockModel(MODEL_HOST, () => completion('ok'));
    await tg(50, 8006, 'first');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await runInDurableObject(conversation(chat), (_i, state) => {
      state.storage.sql.exec(`INSERT OR REPLACE INTO state (key, value) VALUES ('model', '"retired-model"')`);
    });
    await tg(51, 8006, 'second');
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.body.text).toMatch(/retired-model is not available.*\/model/s);
  });
});

describe('Conversation: durability', () => {
  it('resumes queued work after eviction even if its alarm was lost (the constructor re-arms)', async () => {
    const chat = 'telegram:fail:8010';
    const sent = mockSendApi('tg-fail.test');
    const calls = mockModel(MODEL_HOST, () => completion('after restart'));
    const bot = await findBot(env, 'telegram', 'fail');
    const stub = conversation(chat);
    // A message that was admitted, but whose alarm never got set (the crash window).
    await runInDurableObject(stub, async (_instance, state) => {
      const store = new ConversationStore(state.storage.sql);
      store.set('bot', bot);
      store.set('chat_key', chat);
      store.admit(
        { eventId: '60', text: 'survive', target: { eventId: '60', chatId: '8010' }, eventAt: Date.now() },
        Date.now(),
      );
      await state.storage.deleteAlarm();
    });
    await evictDurableObject(stub);
    expect(calls).toHaveLength(0);
    // Any contact constructs the object again; it must pick the inbox up on its own.
    await vi.waitFor(async () => expect(await backlog(chat)).toBe(0));
    expect(sent.map((s) => s.body.text)).toEqual(['after restart']);
    expect(calls.map(lastUser)).toEqual(['survive']);
  });

  it('forgets processed ids and history after their retention, and then accepts the id again', async () => {
    const chat = 'telegram:fail:8011';
    mockModel(MODEL_HOST, () => completion('x'));
    const sent = mockSendApi('tg-fail.test');
    await tg(70, 8011, 'once');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await runInDurableObject(conversation(chat), (_i, state) => {
      state.storage.sql.exec('UPDATE seen SET at = at - ?', 8 * 24 * 3_600_000);
      state.storage.sql.exec('UPDATE history SET at = at - ?', 8 * 24 * 3_600_000);
    });
    await tg(71, 8011, 'trigger a drain');
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    await vi.waitFor(async () => {
      const rows = await runInDurableObject(conversation(chat), (_i, state) => ({
        seen: state.storage.sql
          .exec('SELECT event_id FROM seen')
          .toArray()
          .map((r) => r.event_id),
        history: state.storage.sql
          .exec('SELECT content FROM history')
          .toArray()
          .map((r) => r.content),
      }));
      expect(rows.seen).toEqual(['71']);
      expect(rows.history).toEqual(['trigger a drain', 'x']);
    });
  });
});
