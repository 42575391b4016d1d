import { exports } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// Clients compress large prompts (`Content-Encoding: gzip`); the body is read as what it encodes, under
// the same byte limit, and an encoding the gateway cannot read is named rather than misread as text.

let key: string;
const sent: unknown[] = [];

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'encoding-pool',
      protocol: 'vllm',
      origins: [{ id: 'e1', url: 'http://encoding-origin.test', capacity: 8, weight: 1 }],
    },
    'encoding-model',
  );
});

const body = JSON.stringify({ model: 'encoding-model', messages: [{ role: 'user', content: 'héllo' }] });

async function compress(text: string, format: 'gzip' | 'deflate'): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chat(payload: BodyInit, encoding?: string) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      ...(encoding === undefined ? {} : { 'content-encoding': encoding }),
    },
    body: payload,
  });
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; param: string | null } }).error;
}

describe('Content-Encoding of request bodies', () => {
  beforeEach(() => {
    mockOrigin('encoding-origin.test', async (req) => {
      sent.push(await req.json());
      return chatAnswer('ok');
    });
  });

  it.each([
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['deflate', 'deflate'],
  ] as const)('reads a %s body as the JSON it encodes', async (encoding, format) => {
    sent.length = 0;
    const res = await chat(await compress(body, format), encoding);
    expect(res.status).toBe(200);
    expect(sent[0]).toMatchObject({ messages: [{ role: 'user', content: 'héllo' }] });
  });

  it('takes identity as no encoding', async () => {
    expect((await chat(body, 'identity')).status).toBe(200);
  });

  it('refuses a gzip body that does not decompress with 400 invalid_encoding', async () => {
    const res = await chat(new TextEncoder().encode(body), 'gzip');
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_encoding');
    expect(error.message).toContain('gzip');
  });

  it('refuses a truncated gzip body', async () => {
    const whole = await compress(body, 'gzip');
    const res = await chat(whole.slice(0, whole.length - 6), 'gzip');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('invalid_encoding');
  });

  it('applies the body limit to the decompressed size (a small body that inflates past it is 413)', async () => {
    const huge = JSON.stringify({
      model: 'encoding-model',
      messages: [{ role: 'user', content: 'x'.repeat(4_000_000) }],
    });
    const packed = await compress(huge, 'gzip');
    expect(packed.byteLength).toBeLessThan(100_000);
    const res = await chat(packed, 'gzip');
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('body_too_large');
  });

  it.each(['br', 'zstd', 'compress', 'gzip, gzip', 'bogus'])(
    'refuses Content-Encoding %s with 415 unsupported_content_encoding',
    async (encoding) => {
      const res = await chat(body, encoding);
      expect(res.status).toBe(415);
      const error = await errorOf(res);
      expect(error.code).toBe('unsupported_content_encoding');
      expect(error.param).toBe('content-encoding');
      expect(error.message).toContain('gzip');
    },
  );
});
