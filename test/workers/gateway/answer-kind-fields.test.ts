import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// Fields that ask for another kind of answer (audio, a verbosity, a web search) are refused: a plain
// text answer in their place would pass for the one the client asked for.

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'answer-kind-pool',
      protocol: 'vllm',
      origins: [{ id: 'k1', url: 'http://answer-kind.test', capacity: 8, weight: 1 }],
    },
    'answer-kind-model',
  );
});

function post(extra: Record<string, unknown>) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'answer-kind-model',
      messages: [{ role: 'user', content: 'hi' }],
      ...extra,
    }),
  });
}

describe('fields asking for another kind of answer', () => {
  it.each([
    [{ audio: { voice: 'alloy', format: 'wav' } }, 'audio'],
    [{ verbosity: 'low' }, 'verbosity'],
    [{ web_search_options: {} }, 'web_search_options'],
    [{ modalities: ['text', 'audio'] }, 'modalities.1'],
  ])('%j is refused with 400 unsupported_parameter', async (extra, param) => {
    let reached = false;
    mockOrigin('answer-kind.test', () => {
      reached = true;
      return chatAnswer();
    });
    const res = await post(extra);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ code: 'unsupported_parameter', param });
    expect(reached).toBe(false);
  });

  it('text output, asked for or left out, is served, and the field is not sent on', async () => {
    let sent: Record<string, unknown> | undefined;
    mockOrigin('answer-kind.test', async (req) => {
      sent = (await req.json()) as Record<string, unknown>;
      return chatAnswer();
    });
    expect((await post({ modalities: ['text'], audio: null })).status).toBe(200);
    expect(sent).not.toHaveProperty('modalities');
    expect(sent).not.toHaveProperty('audio');
  });
});
