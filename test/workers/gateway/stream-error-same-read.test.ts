import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// An engine that fails mid-stream writes an error event right after its last tokens; one read of the
// origin body can return both. What came before the fault still belongs to the client, and when the
// client has seen nothing yet the attempt fails over as any failure before the first token does.

let key: string;

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'e', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const ENGINE_DIED = `data: ${JSON.stringify({ error: { message: 'engine died', type: 'InternalServerError', param: null, code: 500 } })}\n\ndata: [DONE]\n\n`;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'same-read-pool',
      protocol: 'vllm',
      origins: [
        { id: 'a', url: 'http://same-read-a.test', capacity: 8, weight: 1 },
        { id: 'b', url: 'http://same-read-b.test', capacity: 8, weight: 1 },
      ],
      timeouts: { headersMs: 500, firstTokenMs: 1000, idleMs: 1000, totalMs: 5000 },
      retry: { attempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
    },
    'same-read-model',
  );
});

/** An origin whose body is these reads, one enqueue each, in order. */
function origin(reads: string[]): () => Response {
  return () => {
    const encoder = new TextEncoder();
    const left = [...reads];
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = left.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(encoder.encode(next));
        },
      }),
      { headers: { 'content-type': 'text/event-stream' } },
    );
  };
}

function post() {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'same-read-model',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    }),
  });
}

/** The contents the client received, in order, and whether an error event ended the stream. */
function read(text: string) {
  const events = text
    .split('\n\n')
    .filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]')
    .map((e) => JSON.parse(e.slice(6)) as { choices?: { delta?: { content?: string } }[]; error?: unknown });
  return {
    content: events.map((e) => e.choices?.[0]?.delta?.content ?? '').join(''),
    errors: events.filter((e) => e.error !== undefined).length,
    done: text.includes('data: [DONE]'),
  };
}

describe('an error event in the same read as the tokens before it', () => {
  it('after output has started: the tokens of that read are relayed, then one error event', async () => {
    const failing = origin([
      chunk({ role: 'assistant', content: '' }) + chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }) + ENGINE_DIED,
    ]);
    mockOrigin('same-read-a.test', failing);
    mockOrigin('same-read-b.test', failing);
    const res = await post();
    expect(res.status).toBe(200);
    expect(read(await res.text())).toEqual({ content: 'Hello', errors: 1, done: false });
  });

  it('before any output reached the client: nothing of it is sent, and the request fails over', async () => {
    let failed = 0;
    const failing = origin([
      chunk({ role: 'assistant', content: '' }) + chunk({ content: 'lost' }) + ENGINE_DIED,
    ]);
    const whole = origin([
      chunk({ role: 'assistant', content: '' }) + chunk({ content: 'whole' }),
      chunk({}, 'stop') + 'data: [DONE]\n\n',
    ]);
    // Whichever origin is tried first fails; the other answers.
    const serve = () => (failed++ === 0 ? failing() : whole());
    mockOrigin('same-read-a.test', serve);
    mockOrigin('same-read-b.test', serve);
    const res = await post();
    expect(res.status).toBe(200);
    expect(read(await res.text())).toEqual({ content: 'whole', errors: 0, done: true });
    expect(failed).toBe(2);
  });
});
