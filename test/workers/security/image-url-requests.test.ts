import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// An image URL naming an internal address never reaches an engine, which would fetch it from the GPU
// network; chat jobs are checked as chat requests are.

const ORIGIN = 'iur-origin.test';
let key: string;
let originCalls = 0;

beforeAll(async () => {
  key = await seedKey({ scopes: ['inference', 'jobs'], tenant: 'iur' });
  await seedPool(
    {
      name: 'iur-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 8, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'iur-model',
  );
});

const imageMessage = (url: string) => ({
  role: 'user',
  content: [
    { type: 'text', text: 'describe' },
    { type: 'image_url', image_url: { url } },
  ],
});

function post(path: string, body: unknown) {
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function countingOrigin(): void {
  originCalls = 0;
  mockOrigin(ORIGIN, () => {
    originCalls++;
    return chatAnswer('a cat');
  });
}

describe('image URLs in chat requests', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data/iam/',
    'http://10.1.2.3:8000/',
    'http://localhost:8000/metrics',
    'http://[::ffff:127.0.0.1]/',
    'http://gpu-node-1/',
  ])('refuses %s with 400 before any engine is called', async (url) => {
    countingOrigin();
    const res = await post('/v1/chat/completions', {
      model: 'iur-model',
      messages: [{ role: 'system', content: 'be brief' }, imageMessage(url)],
    });
    const body = (await res.json()) as { error: { code: string; type: string; param: string } };
    expect({ status: res.status, ...body.error, message: undefined }).toEqual({
      status: 400,
      code: 'invalid_request',
      type: 'invalid_request_error',
      param: 'messages.1.content.1.image_url.url',
      message: undefined,
    });
    expect(originCalls).toBe(0);
  });

  it('passes data: URLs and public https URLs on to the engine', async () => {
    countingOrigin();
    for (const url of ['data:image/png;base64,iVBORw0KGgo=', 'https://images.example.com/cat.png']) {
      const res = await post('/v1/chat/completions', { model: 'iur-model', messages: [imageMessage(url)] });
      expect(res.status).toBe(200);
      await res.text();
    }
    expect(originCalls).toBe(2);
  });

  it('refuses a chat job with such an image before it is queued', async () => {
    const res = await post('/v1/jobs', {
      type: 'chat',
      request: { model: 'iur-model', messages: [imageMessage('http://169.254.169.254/')] },
    });
    const body = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect({ status: res.status, code: body.error.code, param: body.error.param }).toEqual({
      status: 400,
      code: 'invalid_request',
      param: 'request.messages.0.content.1.image_url.url',
    });
    expect(body.error.message).toContain("'request.messages.0.content.1.image_url.url'");
  });
});
