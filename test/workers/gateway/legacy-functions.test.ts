import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey();
});

function chat(extra: Record<string, unknown>): Promise<Response> {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'any-model', messages: [{ role: 'user', content: 'x' }], ...extra }),
  });
}

describe('request-level functions (superseded by tools)', () => {
  it.each([
    [{ functions: [{ name: 'lookup', parameters: { type: 'object' } }] }, 'functions'],
    [{ function_call: 'auto' }, 'function_call'],
  ])('%j is refused with 400 naming the field, never ignored', async (extra, param) => {
    const res = await chat(extra);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: 'unsupported_parameter',
      param,
    });
  });

  it('null means not set, as for every optional field', async () => {
    const res = await chat({ functions: null, function_call: null });
    expect(res.status).not.toBe(400);
  });
});
