import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { postWebhook } from './bots.ts';
import { completion, mockModel, mockSendApi, seedBots } from './harness.ts';
import { telegramText } from './payloads.ts';

// A chat can only be answered by a model that chats: one the key may use for embeddings alone is not
// offered by /model, and a chat cannot be switched to it (every later message would be refused).

beforeAll(async () => {
  await seedBots({ keyId: 'key_im_chat_only', modelHost: 'im-chat-only.test', model: 'im-chat-only' }, [
    { platform: 'telegram', id: 'chatonly', apiBase: 'http://tg-chatonly.test' },
  ]);
  await seedBots({ keyId: 'key_im_embed_only', modelHost: 'im-embed-only.test', model: 'im-embed-only' });
  await env.DB.prepare(`UPDATE models SET capabilities = '["embedding"]' WHERE id = 'im-embed-only'`).run();
  invalidateRegistry();
});

const tg = (update: number, text: string) =>
  postWebhook('telegram', 'chatonly', JSON.stringify(telegramText(update, 8101, text)));

describe('/model and models that do not chat', () => {
  it('lists only models that chat, and refuses to switch to one that does not', async () => {
    const calls = mockModel('im-chat-only.test', () => completion('still here'));
    const sent = mockSendApi('tg-chatonly.test');
    await tg(1, '/model');
    await tg(2, '/model im-embed-only');
    await tg(3, 'hello');
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(sent[0]!.body.text).toMatch(/Current model: im-chat-only\./);
    expect(sent[0]!.body.text).not.toMatch(/im-embed-only/);
    expect(sent[1]!.body.text).toMatch(/not available/);
    expect(sent[2]!.body.text).toBe('still here');
    expect(calls).toHaveLength(1);
  });
});
