import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { imMetricsText } from '../../../workers/im/metrics.ts';
import { postWebhook, SECRET, seedBot, VERIFY_TOKEN } from './bots.ts';
import { counter } from './harness.ts';
import {
  lineBody,
  lineEvent,
  messengerBody,
  messengerMessaging,
  telegramText,
  whatsappBatch,
} from './payloads.ts';
import { lineSignature, metaSignature } from './signing.ts';

// Only ignored events here: the route is under test, not the Conversation (see conversation tests).
const bodies = {
  telegram: JSON.stringify({
    update_id: 1,
    edited_message: { message_id: 1, chat: { id: 1 }, date: 1, text: 'x' },
  }),
  whatsapp: JSON.stringify(whatsappBatch([], [{ id: 'wamid.S', status: 'read', recipient: '1' }])),
  line: JSON.stringify(lineBody([lineEvent({ id: 'F1', type: 'memberJoined', groupId: 'Cg' })])),
  messenger: JSON.stringify(
    messengerBody([[messengerMessaging({ mid: 'e', psid: 'P', text: 'echo', echo: true })]]),
  ),
} as const;
const platforms = Object.keys(bodies) as (keyof typeof bodies)[];

beforeAll(async () => {
  for (const platform of platforms) {
    await seedBot({ platform, id: 'route', keyId: 'key_none', model: 'none' });
    await seedBot({
      platform,
      id: 'nosecret',
      keyId: 'key_none',
      model: 'none',
      secretName: 'ECO_IM_UNSET_SECRET',
    });
  }
});

describe.each(platforms)('%s webhook verification', (platform) => {
  const raw = bodies[platform];

  it('accepts a correctly signed body and acknowledges ignored events', async () => {
    const res = await postWebhook(platform, 'route', raw);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, queued: 0, ignored: 1 });
  });

  it('rejects unsigned, forged, truncated and re-serialized bodies with 401', async () => {
    expect((await postWebhook(platform, 'route', raw, { unsigned: true })).status).toBe(401);
    expect((await postWebhook(platform, 'route', raw, { secret: `${SECRET}x` })).status).toBe(401);
    if (platform === 'telegram') return; // Telegram signs no bytes: only the header secret counts.
    const signature =
      platform === 'line' ? await lineSignature(SECRET, raw) : await metaSignature(SECRET, raw);
    const header = platform === 'line' ? 'x-line-signature' : 'x-hub-signature-256';
    const send = (body: string) =>
      exports.default.fetch(`http://gw/webhooks/${platform}/route`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [header]: signature },
        body,
      });
    expect((await send(raw.slice(0, -1))).status).toBe(401);
    expect((await send(JSON.stringify(JSON.parse(raw), null, 2))).status).toBe(401);
    const res = await send(`${raw} `);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: { code: 'invalid_signature', type: 'authentication_error' },
    });
  });

  it('rejects a signature header sent twice (a proxy or a forger adding its own), even when both are right', async () => {
    const header = {
      telegram: 'x-telegram-bot-api-secret-token',
      line: 'x-line-signature',
      whatsapp: 'x-hub-signature-256',
      messenger: 'x-hub-signature-256',
    }[platform];
    const valid =
      platform === 'telegram'
        ? SECRET
        : platform === 'line'
          ? await lineSignature(SECRET, raw)
          : await metaSignature(SECRET, raw);
    for (const second of [valid, 'forged']) {
      const headers = new Headers({ 'content-type': 'application/json' });
      headers.append(header, valid);
      headers.append(header, second);
      const res = await exports.default.fetch(`http://gw/webhooks/${platform}/route`, {
        method: 'POST',
        headers,
        body: raw,
      });
      expect(res.status).toBe(401);
    }
  });

  it('refuses everything when the bot secret is not configured, even a body signed with an empty key', async () => {
    expect((await postWebhook(platform, 'nosecret', raw)).status).toBe(401);
    expect((await postWebhook(platform, 'nosecret', raw, { unsigned: true })).status).toBe(401);
  });

  it('answers 404 for an unknown bot and 413 past the size cap', async () => {
    const missing = await postWebhook(platform, 'no-such-bot', raw);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'bot_not_found' } });
    const huge = `{"pad":"${'x'.repeat(8_400_000)}"}`;
    expect((await postWebhook(platform, 'route', huge)).status).toBe(413);
  });
});

describe('a large batch', () => {
  it('accepts a WhatsApp batch of 1,000 updates over 1 MiB (Meta batches up to 1,000)', async () => {
    const statuses = Array.from({ length: 1000 }, (_, i) => ({
      id: `wamid.${String(i).padStart(1200, '0')}`,
      status: 'read',
      recipient: '1',
    }));
    const raw = JSON.stringify(whatsappBatch([], statuses));
    expect(raw.length).toBeGreaterThan(1_048_576);
    const res = await postWebhook('whatsapp', 'route', raw);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, ignored: 1000 });
  });
});

describe('routing', () => {
  it('answers 404 for an unknown platform', async () => {
    const res = await exports.default.fetch('http://gw/webhooks/icq/route', { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });

  it('rejects a signed body that is not JSON with 400', async () => {
    expect((await postWebhook('line', 'route', 'not json')).status).toBe(400);
  });

  it('rejects a body that is not UTF-8 with 400 instead of queuing mangled text', async () => {
    const json = JSON.stringify(telegramText(6, 6, 'caf#'));
    const bytes = new TextEncoder().encode(json);
    bytes[json.indexOf('#')] = 0xe9; // Latin-1 é: not valid UTF-8
    const res = await exports.default.fetch('http://gw/webhooks/telegram/route', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: bytes,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        code: 'invalid_encoding',
        type: 'invalid_request_error',
        message: expect.stringMatching(/UTF-8/),
      },
    });
  });

  it('acknowledges LINE console Verify (no events) with 200', async () => {
    const res = await postWebhook('line', 'route', JSON.stringify(lineBody([])));
    expect(res.status).toBe(200);
  });

  it('acknowledges malformed events and counts them where the metrics show them', async () => {
    const { webhookEventId: _id, ...noId } = lineEvent({ id: 'M1', type: 'follow' });
    const { message: _m, ...noMessage } = noId;
    const labels = 'bot="route",kind="malformed",platform="line"';
    const before = await counter('im_events_total', labels);
    const res = await postWebhook('line', 'route', JSON.stringify(lineBody([noMessage, 'junk'])));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, queued: 0, ignored: 0, malformed: 2 });
    // Webhook counters are buffered per isolate and flushed within a second.
    await vi.waitFor(async () => expect(await counter('im_events_total', labels)).toBe(before + 2), {
      timeout: 3000,
    });
    expect(await imMetricsText(env)).toContain(`im_events_total{${labels}} ${before + 2}`);
  });

  it('lists the webhook routes in the OpenAPI document', async () => {
    const doc = (await (await exports.default.fetch('http://gw/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain('/webhooks/{platform}/{botId}');
  });

  it('does not answer Telegram text through a bot of another platform', async () => {
    const raw = JSON.stringify(telegramText(5, 5, 'hi'));
    const res = await postWebhook('line', 'route', raw);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ queued: 0 });
  });
});

describe.each(['whatsapp', 'messenger'] as const)('%s subscription handshake', (platform) => {
  const get = (query: string, bot = 'route') =>
    exports.default.fetch(`http://gw/webhooks/${platform}/${bot}?${query}`);

  it('echoes hub.challenge for the right verify token', async () => {
    const res = await get(`hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('1158201444');
  });

  it('refuses a wrong token or mode with 403', async () => {
    expect((await get('hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1')).status).toBe(403);
    expect((await get(`hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`)).status).toBe(
      403,
    );
  });
});

describe('non-Meta platforms', () => {
  it('answer GET with 405', async () => {
    expect((await exports.default.fetch('http://gw/webhooks/telegram/route')).status).toBe(405);
  });
});
