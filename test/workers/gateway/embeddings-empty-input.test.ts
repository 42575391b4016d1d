import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey();
});

describe('embeddings of an empty text', () => {
  it.each([
    ['', 'input'],
    [['a', ''], 'input'],
  ])('input %j is a 400 naming the input', async (input, param) => {
    const res = await exports.default.fetch('http://gw/v1/embeddings', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'any-model', input }),
    });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; param: string; message: string } }).error;
    expect(error.param.startsWith(param)).toBe(true);
    expect(error.message).toContain('may not be empty');
  });
});
