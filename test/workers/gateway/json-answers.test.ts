import { exports } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TimedReader } from '../../../workers/dispatch/timed-reader.ts';
import { controlledStream, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

let key: string;

const answer = JSON.stringify({
  id: 'cmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'engine',
  choices: [{ index: 0, message: { role: 'assistant', content: 'héllo 🙂' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});
const answerBytes = new TextEncoder().encode(answer);

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'json-pool',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://json-a.test', capacity: 8, weight: 1 }],
      timeouts: { headersMs: 500, firstTokenMs: 300, idleMs: 300, totalMs: 5000 },
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'json-model',
  );
});

afterEach(() => {
  vi.restoreAllMocks();
});

function post() {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'json-model', messages: [{ role: 'user', content: 'x' }] }),
  });
}

const json = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Response(body, { headers: { 'content-type': 'application/json', ...headers } });

describe('non-stream answers', () => {
  it('reads a body of declared length in one native read, and a chunked one chunk by chunk', async () => {
    const reads = vi.spyOn(TimedReader.prototype, 'read');
    mockOrigin('json-a.test', () => json(answer, { 'content-length': String(answerBytes.byteLength) }));
    const declared = await post();
    expect(declared.status).toBe(200);
    const body = (await declared.json()) as { model: string; choices: { message: { content: string } }[] };
    expect(body.model).toBe('json-model');
    expect(body.choices[0]!.message.content).toBe('héllo 🙂');
    expect(reads).not.toHaveBeenCalled();

    const chunked = controlledStream();
    mockOrigin('json-a.test', () => json(chunked.stream));
    const pending = post();
    chunked.push(answer.slice(0, 40));
    chunked.push(answer.slice(40));
    chunked.close();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe('json-model');
    expect(reads).toHaveBeenCalled();
  });

  it('a whole-body read times out as origin_timeout and a broken body is origin_stream_broken', async () => {
    const stalled = controlledStream();
    stalled.push(answer.slice(0, 40)); // then nothing: the origin hangs mid-body
    const hanging = new Response(stalled.stream);
    const reader = new TimedReader(hanging, 5000);
    await expect(reader.wholeText(150, 'its time to first byte')).rejects.toMatchObject({
      status: 504,
      code: 'origin_timeout',
      message: 'The origin exceeded its time to first byte (150 ms).',
    });

    // The total limit caps the whole read and is named as the limit that ran out.
    const slow = new Response(controlledStream().stream);
    await expect(new TimedReader(slow, 100).wholeText(60_000, 'x')).rejects.toMatchObject({
      code: 'origin_timeout',
      message: expect.stringContaining('the total time limit'),
    });

    const broken = controlledStream();
    broken.push(answer.slice(0, 40));
    broken.error(new Error('connection reset'));
    const cut = new Response(broken.stream);
    await expect(new TimedReader(cut, 5000).wholeText(1000, 'x')).rejects.toMatchObject({
      status: 502,
      code: 'origin_stream_broken',
    });

    const whole = new Response(answer);
    expect(await new TimedReader(whole, 5000).wholeText(1000, 'x')).toBe(answer);
  });
});
