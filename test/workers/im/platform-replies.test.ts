import { beforeAll, describe, expect, it, vi } from 'vitest';
import { retryDelay } from '../../../durable-objects/conversation/backoff.ts';
import { takeToken } from '../../../durable-objects/conversation/token-bucket.ts';
import { lineRetryKey } from '../../../workers/im/send/line.ts';
import { classifySend } from '../../../workers/im/send/outcome.ts';
import { postWebhook } from './bots.ts';
import { backlog, completion, mockModel, mockSendApi, seedBots } from './harness.ts';
import { lineBody, lineEvent, messengerBody, messengerMessaging } from './payloads.ts';

const MODEL_HOST = 'im-plat-model.test';

beforeAll(() =>
  seedBots({ keyId: 'key_im_plat', modelHost: MODEL_HOST, model: 'im-plat-model' }, [
    { platform: 'line', id: 'plat', apiBase: 'http://line.test' },
    { platform: 'line', id: 'many', apiBase: 'http://line.test', settings: { maxMessageChars: 10 } },
    { platform: 'messenger', id: 'plat', apiBase: 'http://fb.test/v23.0' },
  ]),
);

describe('LINE replies', () => {
  it('uses the reply API while the reply token is fresh', async () => {
    mockModel(MODEL_HOST, () => completion('Hi from LINE.'));
    const sent = mockSendApi('line.test');
    const body = lineBody([lineEvent({ id: '01L1', text: 'hello', timestamp: Date.now() })]);
    await postWebhook('line', 'plat', JSON.stringify(body));
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.url).toBe('http://line.test/v2/bot/message/reply');
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer im-test-access-token');
    expect(sent[0]!.headers.get('x-line-retry-key')).toBeNull();
    expect(sent[0]!.body).toEqual({
      replyToken: 'rt-01L1',
      messages: [{ type: 'text', text: 'Hi from LINE.' }],
    });
  });

  it('falls back to push with a retry key when the reply token is refused', async () => {
    mockModel(MODEL_HOST, () => completion('Pushed.'));
    const sent = mockSendApi('line.test', (call) =>
      call.url.endsWith('/reply')
        ? Response.json({ message: 'Invalid reply token' }, { status: 400 })
        : Response.json({}),
    );
    const userId = 'U11111111111111111111111111111111';
    await postWebhook(
      'line',
      'plat',
      JSON.stringify(lineBody([lineEvent({ id: '01L2', userId, timestamp: Date.now() })])),
    );
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.url).toBe('http://line.test/v2/bot/message/push');
    expect(sent[1]!.body).toEqual({ to: userId, messages: [{ type: 'text', text: 'Pushed.' }] });
    expect(sent[1]!.headers.get('x-line-retry-key')).toBe(await lineRetryKey('01L2', 0));
  });

  it('pushes straight away for a stale event (a redelivery) and treats 409 on a retried push as delivered', async () => {
    mockModel(MODEL_HOST, () => completion('Late.'));
    let first = true;
    const sent = mockSendApi('line.test', () => {
      // The first push times out from our side (503), the retry with the same key is a duplicate (409).
      if (first) {
        first = false;
        return new Response('busy', { status: 503 });
      }
      return Response.json({ message: 'The retry key is already accepted' }, { status: 409 });
    });
    const groupId = 'Cgroup0000000000000000000000000000';
    const stale = lineEvent({ id: '01L3', groupId, timestamp: Date.now() - 120_000, text: '/help' });
    await postWebhook('line', 'plat', JSON.stringify(lineBody([stale])));
    await vi.waitFor(async () => expect(await backlog(`line:plat:${groupId}`)).toBe(0));
    expect(sent.map((s) => s.url)).toEqual([
      'http://line.test/v2/bot/message/push',
      'http://line.test/v2/bot/message/push',
    ]);
    expect(sent[0]!.body.to).toBe(groupId);
    expect(sent[0]!.headers.get('x-line-retry-key')).toBe(sent[1]!.headers.get('x-line-retry-key'));
  });

  it('sends at most five messages per call: a reply for the first five parts, then a push', async () => {
    mockModel(MODEL_HOST, () => completion('Alpha A. Bravo B. Charl C. Delta D. Echo E. Foxtr F. Golf G.'));
    const sent = mockSendApi('line.test');
    await postWebhook(
      'line',
      'many',
      JSON.stringify(lineBody([lineEvent({ id: '01L4', timestamp: Date.now() })])),
    );
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[0]!.url).toMatch(/\/reply$/);
    expect((sent[0]!.body.messages as unknown[]).length).toBe(5);
    expect(sent[1]!.url).toMatch(/\/push$/);
    expect(sent[1]!.body.messages).toEqual([
      { type: 'text', text: 'Foxtr F.' },
      { type: 'text', text: 'Golf G.' },
    ]);
  });
});

describe('Messenger replies', () => {
  it('answers each message of a batch with messaging_type RESPONSE, never its own echoes', async () => {
    const calls = mockModel(MODEL_HOST, (call) => completion(`fb:${call.messages.at(-1)?.content}`));
    const sent = mockSendApi('fb.test');
    const body = messengerBody([
      [
        messengerMessaging({ mid: 'mA', psid: 'PSID1', text: 'first' }),
        messengerMessaging({ mid: 'mE', psid: 'PSID1', text: 'fb:old', echo: true }),
      ],
      [messengerMessaging({ mid: 'mB', psid: 'PSID1', text: 'second' })],
    ]);
    await postWebhook('messenger', 'plat', JSON.stringify(body));
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(calls).toHaveLength(2);
    expect(sent[0]!.url).toBe('http://fb.test/v23.0/PAGE_ID/messages?access_token=im-test-access-token');
    expect(sent.map((s) => s.body)).toEqual([
      { recipient: { id: 'PSID1' }, messaging_type: 'RESPONSE', message: { text: 'fb:first' } },
      { recipient: { id: 'PSID1' }, messaging_type: 'RESPONSE', message: { text: 'fb:second' } },
    ]);
  });
});

describe('Meta throttling', () => {
  it('retries a send Meta throttles with HTTP 400 and a rate-limit code, then delivers', async () => {
    mockModel(MODEL_HOST, () => completion('after the throttle'));
    let throttled = 1;
    const sent = mockSendApi('fb.test', () =>
      throttled-- > 0
        ? Response.json(
            { error: { message: '(#613) Calls to this api have exceeded the rate limit.', code: 613 } },
            { status: 400 },
          )
        : Response.json({ recipient_id: 'PSID9', message_id: 'm.out' }),
    );
    const body = messengerBody([[messengerMessaging({ mid: 'mThrottle', psid: 'PSID9', text: 'hi' })]]);
    await postWebhook('messenger', 'plat', JSON.stringify(body));
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.body).toMatchObject({ message: { text: 'after the throttle' } });
  });
});

describe('pure pieces', () => {
  it('classifies send answers, reading Retry-After and Telegram retry_after', () => {
    expect(classifySend(200, '', new Headers())).toEqual({ kind: 'ok' });
    expect(classifySend(429, '{"ok":false,"parameters":{"retry_after":3}}', new Headers())).toEqual({
      kind: 'retry',
      status: 429,
      retryAfterMs: 3000,
    });
    expect(classifySend(503, '', new Headers({ 'retry-after': '2' }))).toMatchObject({ retryAfterMs: 2000 });
    expect(classifySend(403, 'blocked', new Headers()).kind).toBe('permanent');
    expect(classifySend(400, '', new Headers(), { lineReply: true }).kind).toBe('reply_token_invalid');
    expect(classifySend(409, '', new Headers(), { linePush: true }).kind).toBe('ok');
    expect(classifySend(409, '', new Headers()).kind).toBe('permanent');
  });

  it('backs off exponentially with jitter, capped, with Retry-After as a floor', () => {
    const config = { baseMs: 1000, maxMs: 8000 };
    expect(retryDelay(1, config, 0, () => 0)).toBe(500);
    expect(retryDelay(1, config, 0, () => 1)).toBe(1000);
    expect(retryDelay(3, config, 0, () => 1)).toBe(4000);
    expect(retryDelay(10, config, 0, () => 1)).toBe(8000);
    expect(retryDelay(1, config, 30_000, () => 0)).toBe(30_000);
  });

  it('token bucket: burst, refill, and an honest wait', () => {
    const config = { perMinute: 6, burst: 2 };
    let state = takeToken(undefined, config, 0);
    expect(state.allowed).toBe(true);
    state = takeToken(state.state, config, 0);
    expect(state.allowed).toBe(true);
    state = takeToken(state.state, config, 0);
    expect(state).toMatchObject({ allowed: false, retryAfterMs: 10_000 });
    expect(takeToken(state.state, config, 10_000).allowed).toBe(true);
  });

  it('LINE retry keys are stable UUIDs per event and position', async () => {
    const key = await lineRetryKey('01ABC', 0);
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await lineRetryKey('01ABC', 0)).toBe(key);
    expect(await lineRetryKey('01ABC', 5)).not.toBe(key);
  });
});
