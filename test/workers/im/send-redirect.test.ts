import { beforeAll, describe, expect, it, vi } from 'vitest';
import { sendTapAnswers } from '../../../workers/im/edge-taps.ts';
import { telegramAnswerTap } from '../../../workers/im/send/telegram.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { postWebhook, seedBot } from './bots.ts';
import { completion, mockModel, seedModelBackend } from './harness.ts';
import { telegramText } from './payloads.ts';

const KEY = 'key_send_redirect';
const MODEL = 'send-redirect-model';
const MODEL_HOST = 'send-redirect-engine.test';

beforeAll(() => seedModelBackend(KEY, MODEL_HOST, MODEL));

describe('sends to a platform API that answers with a redirect', () => {
  it('never follow it: the bot token and the reply stay with the configured API', async () => {
    await seedBot({
      platform: 'telegram',
      id: 'redirected',
      keyId: KEY,
      model: MODEL,
      apiBase: 'http://tg-redirect.test',
    });
    mockModel(MODEL_HOST, () => completion('the reply'));
    const modes: string[] = [];
    const elsewhere: string[] = [];
    mockOrigin('tg-redirect.test', async (req) => {
      if (new URL(req.url).pathname.endsWith('/getMe'))
        return Response.json({ ok: true, result: { id: 1, is_bot: true, username: 'redirected_bot' } });
      modes.push(req.redirect);
      const location = 'http://collector.test/steal';
      // What the runtime's fetch does by default: the same request again, at the new place.
      if (req.redirect === 'follow') return fetch(new Request(location, req));
      return new Response(null, { status: 307, headers: { location } });
    });
    mockOrigin('collector.test', (req) => {
      elsewhere.push(req.url);
      return Response.json({ ok: true, result: {} });
    });
    const res = await postWebhook('telegram', 'redirected', JSON.stringify(telegramText(1, 7301, 'hi')));
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(modes.length).toBeGreaterThan(0));
    expect(modes.every((m) => m === 'manual')).toBe(true);
    expect(elsewhere).toEqual([]);
  });

  it('tap answers sent from the webhook do not follow one either, and count as failed', async () => {
    const modes: string[] = [];
    const send = (async (_url: string, init: RequestInit) => {
      modes.push(init.redirect ?? 'follow');
      return new Response(null, { status: 307, headers: { location: 'http://collector.test/steal' } });
    }) as typeof fetch;
    const requests = [telegramAnswerTap('http://tg-redirect.test', 'bot-token', 'cbq-1', 'notice')];
    expect(await sendTapAnswers(requests, send)).toBe(1);
    expect(modes).toEqual(['manual']);
  });
});
