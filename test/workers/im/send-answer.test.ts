import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { conversationConfig } from '../../../durable-objects/conversation/config.ts';
import { gatewayPorts } from '../../../durable-objects/conversation/gateway-ports.ts';
import { SEND_ANSWER_MAX_BYTES } from '../../../workers/im/send/read-answer.ts';
import { controlledStream, mockOrigin } from '../helpers/origin-mock.ts';

/** The platform's answer to a send call is untrusted: its status decides, its body is only a hint. */
const ports = () => gatewayPorts(env, { ...conversationConfig({}), sendTimeoutMs: 500 });
const request = (host: string) => ({
  url: `http://${host}/bot/sendMessage`,
  headers: { 'content-type': 'application/json' },
  body: '{}',
  parts: 1,
});

describe('send API answers', () => {
  it('a 200 whose body breaks off is still a delivered part, not a network failure to resend', async () => {
    const body = controlledStream();
    mockOrigin('send-broken.test', () => {
      body.push('{"ok":tr');
      body.error(new Error('connection reset'));
      return new Response(body.stream, { status: 200 });
    });
    const res = await ports().send(request('send-broken.test'));
    expect(res.status).toBe(200);
  });

  // Unbounded, the send would never return and the test would time out.
  it('a 200 whose body never ends is still delivered, and the wait is bounded by the send timeout', async () => {
    mockOrigin('send-stalled.test', () => {
      const body = controlledStream();
      body.push('{"ok":true');
      return new Response(body.stream, { status: 200 });
    });
    const res = await ports().send(request('send-stalled.test'));
    expect(res.status).toBe(200);
    // What arrived before the wait ran out is kept as the hint.
    expect(res.body).toBe('{"ok":true');
  });

  it('reads at most SEND_ANSWER_MAX_BYTES of an answer, however large', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(1 << 20));
    let pulled = 0;
    mockOrigin('send-huge.test', () => {
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(chunk);
        },
      });
      return new Response(stream, { status: 429 });
    });
    const res = await ports().send(request('send-huge.test'));
    expect(res.status).toBe(429);
    expect(res.body.length).toBeLessThanOrEqual(SEND_ANSWER_MAX_BYTES);
    expect(pulled).toBeLessThan(5);
  });
});
