import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { controlledStream, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

let key: string;

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'e', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'stream-pool',
      protocol: 'vllm',
      origins: [
        { id: 'a', url: 'http://stream-a.test', capacity: 8, weight: 1 },
        { id: 'b', url: 'http://stream-b.test', capacity: 8, weight: 1 },
      ],
      timeouts: { headersMs: 500, firstTokenMs: 300, idleMs: 300, totalMs: 5000 },
    },
    'stream-model',
  );
});

function post() {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'stream-model', stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
}

const sse = (stream: ReadableStream<Uint8Array>) =>
  new Response(stream, { headers: { 'content-type': 'text/event-stream' } });

describe('stream failures', () => {
  it('ends with a terminal error event, not [DONE], when the origin breaks after the first token', async () => {
    // Pull-driven, so the gateway has read the content before the connection breaks.
    const handler = () => {
      const parts = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'partial' })];
      const encoder = new TextEncoder();
      return sse(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = parts.shift();
            if (next) controller.enqueue(encoder.encode(next));
            else controller.error(new Error('connection reset'));
          },
        }),
      );
    };
    mockOrigin('stream-a.test', handler);
    mockOrigin('stream-b.test', handler);
    const res = await post();
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('partial');
    expect(text).toMatch(/data: \{"error":\{"message":"[^"]+","type":"server_error"/);
    expect(text).not.toContain('data: [DONE]');
  });

  it('ends with a terminal error when the stream closes without [DONE] (truncation)', async () => {
    const handler = () =>
      new Response(chunk({ content: 'cut' }), { headers: { 'content-type': 'text/event-stream' } });
    mockOrigin('stream-a.test', handler);
    mockOrigin('stream-b.test', handler);
    const text = await (await post()).text();
    expect(text).toContain('origin_stream_truncated');
    expect(text).not.toContain('data: [DONE]');
  });

  it('fails over invisibly when the first origin stalls before its first token', async () => {
    const stalled = controlledStream();
    mockOrigin('stream-a.test', () => sse(stalled.stream));
    mockOrigin(
      'stream-b.test',
      () =>
        new Response(
          chunk({ role: 'assistant', content: '' }) +
            chunk({ content: 'from b' }) +
            chunk({}, 'stop') +
            'data: [DONE]\n\n',
          {
            headers: { 'content-type': 'text/event-stream' },
          },
        ),
    );
    const res = await post();
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('from b');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    // The role chunk is sent once, with the first content: a failover leaves no trace.
    expect(text.match(/"role":"assistant"/g)).toHaveLength(1);
  });

  it('answers a real 504 when every origin stalls before the first token', async () => {
    mockOrigin('stream-a.test', () => sse(controlledStream().stream));
    mockOrigin('stream-b.test', () => sse(controlledStream().stream));
    const res = await post();
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_timeout');
  });

  it('treats a malformed frame before the first token as retryable', async () => {
    mockOrigin(
      'stream-a.test',
      () =>
        new Response('data: {"id":"c","choices":[{"delta":{"content":"tr\n\n', {
          headers: { 'content-type': 'text/event-stream' },
        }),
    );
    mockOrigin(
      'stream-b.test',
      () =>
        new Response(chunk({ content: 'good' }, 'stop') + 'data: [DONE]\n\n', {
          headers: { 'content-type': 'text/event-stream' },
        }),
    );
    const text = await (await post()).text();
    expect(text).toContain('good');
    expect(text).toContain('[DONE]');
  });

  it('a failed attempt aborts its origin request before the next attempt starts', async () => {
    // Whichever origin is asked first sends a malformed frame and keeps its stream open; the next one
    // answers. The first request's signal must be aborted by the time the answer is complete.
    const signals: AbortSignal[] = [];
    const handler = (request: Request) => {
      signals.push(request.signal);
      if (signals.length === 1) {
        const open = controlledStream();
        open.push('data: {"choices":[{"delta":{"content":"x"\n\n');
        return sse(open.stream);
      }
      return new Response(chunk({ content: 'good' }, 'stop') + 'data: [DONE]\n\n', {
        headers: { 'content-type': 'text/event-stream' },
      });
    };
    mockOrigin('stream-a.test', handler);
    mockOrigin('stream-b.test', handler);
    const text = await (await post()).text();
    expect(text).toContain('good');
    expect(signals).toHaveLength(2);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
  });
});
