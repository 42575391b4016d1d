import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { conversationConfig } from '../../../durable-objects/conversation/config.ts';
import { gatewayPorts } from '../../../durable-objects/conversation/gateway-ports.ts';
import type { CallResult } from '../../../durable-objects/conversation/ports.ts';
import type { Env } from '../../../workers/env.ts';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { postWebhook } from './bots.ts';
import { drive, fakePorts, fakeWorld, testBot, textEvent } from './core-driver.ts';
import { backlog, completion, mockModel, mockSendApi, seedTelegramBot, telegramBotNames } from './harness.ts';
import { telegramText } from './payloads.ts';

const sends = (world: ReturnType<typeof fakeWorld>) =>
  world.log.flatMap((e) => (e.kind === 'send' && e.url.endsWith('/sendMessage') ? [e.body.text] : []));
const completes = (world: ReturnType<typeof fakeWorld>) => world.log.filter((e) => e.kind === 'complete');
const refusal = (status: number, code: string): CallResult<{ content: string }> => ({
  ok: false,
  retryable: false,
  status,
  code,
});

describe("the bot's key or configuration refused: what the chat user sees", () => {
  it('a revoked, expired or scope-less key is explained at once, once per message, never retried', async () => {
    for (const [status, code] of [
      [401, 'invalid_api_key'],
      [401, 'api_key_revoked'],
      [403, 'insufficient_scope'],
      [400, 'request_exceeds_budget'],
      [500, 'internal_auth_unconfigured'],
    ] as const) {
      const world = fakeWorld({ answer: () => refusal(status, code) });
      const started = world.now;
      const result = await drive(
        `telegram:keygone:${code}`,
        testBot('telegram', 'keygone'),
        [textEvent(`${code}-1`, '1', 'hi'), textEvent(`${code}-2`, '1', 'hello?')],
        world,
      );
      expect(result.backlog).toBe(0);
      expect(completes(world)).toHaveLength(2);
      expect(sends(world)).toEqual([MESSAGES.botUnavailable, MESSAGES.botUnavailable]);
      expect(world.now).toBe(started);
    }
  });

  it('/model says so too when the model list is refused for the same reason', async () => {
    const world = fakeWorld();
    const ports = fakePorts(world);
    ports.listModels = async () => ({ ok: false, retryable: false, status: 401, code: 'invalid_api_key' });
    await drive(
      'telegram:keygone:list',
      testBot('telegram', 'keygone'),
      [textEvent('l1', '1', '/model')],
      world,
      {
        ports,
      },
    );
    expect(sends(world)).toEqual([MESSAGES.botUnavailable]);
  });

  it('a model refusal the user may mend (a bad request) still gets the generic apology', async () => {
    const world = fakeWorld({ answer: () => refusal(400, 'invalid_request') });
    await drive('telegram:keygone:other', testBot('telegram', 'keygone'), [textEvent('o1', '1', 'x')], world);
    expect(sends(world)).toEqual([MESSAGES.apology]);
  });

  it('without ECO_INTERNAL_SECRET the model call is refused as configuration, not retried as a network failure', async () => {
    const ports = gatewayPorts(
      { ...(env as unknown as Env), ECO_INTERNAL_SECRET: undefined },
      conversationConfig({}),
    );
    const result = await ports.complete({
      bot: testBot('telegram', 'nosecret'),
      chatKey: 'telegram:nosecret:1',
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(result).toMatchObject({ ok: false, retryable: false, code: 'internal_auth_unconfigured' });
  });
});

describe('through the gateway: the key a bot bills to is revoked', () => {
  const { modelHost: MODEL_HOST, api: API, keyId } = telegramBotNames('revoked');
  beforeAll(() => seedTelegramBot('revoked'));

  it('the webhook is still acknowledged, and the user is told the bot cannot reach its model', async () => {
    const calls = mockModel(MODEL_HOST, () => completion('never'));
    const sent = mockSendApi(API);
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?')
      .bind(Date.now() - 1000, keyId)
      .run();
    const res = await postWebhook('telegram', 'revoked', JSON.stringify(telegramText(1, 9101, 'hi')));
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe(MESSAGES.botUnavailable);
    expect(calls).toHaveLength(0);
    await vi.waitFor(async () => expect(await backlog('telegram:revoked:9101')).toBe(0));
    expect(sent).toHaveLength(1);
  });
});
