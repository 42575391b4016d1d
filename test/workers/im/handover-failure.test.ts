import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../../workers/app.ts';
import { SECRET, seedBot } from './bots.ts';
import { counter } from './harness.ts';
import { telegramText } from './payloads.ts';

const app = createApp();

/** Conversations that cannot record anything, as when their storage refuses writes. */
const refusingConversations = {
  getByName: () => ({ enqueue: () => Promise.reject(new Error('storage unavailable')) }),
};

describe('a verified delivery whose hand-over fails', () => {
  it('is answered 503 for the platform to redeliver, and counted as handover_failed', async () => {
    await seedBot({ platform: 'telegram', id: 'handover', keyId: 'key_none', model: 'none' });
    const labels = 'bot="handover",platform="telegram",result="handover_failed"';
    const before = await counter('im_webhook_requests_total', labels);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const ctx = createExecutionContext();
      const res = await app.request(
        '/webhooks/telegram/handover',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
          body: JSON.stringify(telegramText(91, 9191, 'hi')),
        },
        { ...env, CONVERSATION: refusingConversations },
        ctx,
      );
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('handover_failed');
      await waitOnExecutionContext(ctx);
      await vi.waitFor(
        async () => expect(await counter('im_webhook_requests_total', labels)).toBe(before + 1),
        { timeout: 3000 },
      );
      expect(logged.mock.calls.some((args) => String(args[0]).includes('im hand-over failed'))).toBe(true);
    } finally {
      logged.mockRestore();
    }
  });
});
