import { beforeAll, describe, expect, it, vi } from 'vitest';
import { postWebhook } from './bots.ts';
import { completion, mockModel, mockSendApi, seedBots } from './harness.ts';
import { lineBody, lineEvent } from './payloads.ts';

// A reply is free and a push is billed against the monthly quota. A reply LINE answered with its rate
// limit (429) did not spend its token: the retry replies again while the token is fresh.

const MODEL_HOST = 'im-line-retry-model.test';

beforeAll(() =>
  seedBots({ keyId: 'key_im_line_retry', modelHost: MODEL_HOST, model: 'im-line-retry-model' }, [
    { platform: 'line', id: 'retry', apiBase: 'http://line-retry.test' },
  ]),
);

describe('a LINE reply refused by the rate limit', () => {
  it('is retried as a reply with the same token, not pushed', async () => {
    mockModel(MODEL_HOST, () => completion('After the wait.'));
    let replies = 0;
    const sent = mockSendApi('line-retry.test', (call) => {
      if (call.url.endsWith('/reply') && replies++ === 0)
        return Response.json(
          { message: 'The API rate limit has been exceeded. Try again later.' },
          { status: 429 },
        );
      return Response.json({});
    });
    const body = lineBody([lineEvent({ id: '01LR1', text: 'hello', timestamp: Date.now() })]);
    await postWebhook('line', 'retry', JSON.stringify(body));
    await vi.waitFor(() => expect(sent).toHaveLength(2), { timeout: 15_000, interval: 50 });
    expect(sent.map((s) => s.url)).toEqual([
      'http://line-retry.test/v2/bot/message/reply',
      'http://line-retry.test/v2/bot/message/reply',
    ]);
    expect(sent[1]!.body).toEqual({
      replyToken: 'rt-01LR1',
      messages: [{ type: 'text', text: 'After the wait.' }],
    });
  }, 20_000);
});
