import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { holdsMoreValuesThan, MAX_JSON_VALUES } from '../../../workers/http/json-values.ts';
import { seedKey } from '../helpers/seed.ts';

// Validation checks arrays element by element, and each element that fails builds an error: half a
// million bad elements in a 1 MiB body came to hundreds of megabytes, past an isolate's memory. Token
// ids are checked in one pass; any other body holds at most MAX_JSON_VALUES values.

let key: string;
beforeAll(async () => {
  key = await seedKey();
});

function post(path: string, body: unknown) {
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const errorOf = async (res: Response) => ((await res.json()) as { error: Record<string, unknown> }).error;

describe('a body with very many values', () => {
  it('is refused before validation when its values are not token ids (413)', async () => {
    const content = Array(MAX_JSON_VALUES + 10).fill(0);
    const res = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content }] });
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ code: 'body_too_large', type: 'invalid_request_error' });
  });

  it('names the first bad token id of a long list, as one error', async () => {
    const input = Array(200_000).fill(-1);
    const res = await post('/v1/embeddings', { model: 'm', input });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ param: 'input.0' });
    const prompt = [...Array(100_000).fill(7), 1.5, -1];
    const bad = await post('/v1/completions', { model: 'm', prompt });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ param: 'prompt.100000' });
  });

  it('takes a long list of valid token ids (refused here only for its unknown model)', async () => {
    const res = await post('/v1/completions', { model: 'no-such-model', prompt: Array(150_000).fill(42) });
    expect(res.status).toBe(404);
  });
});

describe('holdsMoreValuesThan', () => {
  it('counts every element and member, except numbers in token-id fields at the top or one level down', () => {
    expect(holdsMoreValuesThan({ prompt: Array(100).fill(1) }, 10)).toBe(false);
    expect(holdsMoreValuesThan({ input: [Array(100).fill(1)] }, 10)).toBe(false);
    expect(holdsMoreValuesThan({ request: { prompt: Array(100).fill(1) } }, 10)).toBe(false);
    expect(holdsMoreValuesThan({ prompt: Array(100).fill('a') }, 10)).toBe(true);
    expect(holdsMoreValuesThan({ messages: [{ content: Array(100).fill(1) }] }, 10)).toBe(true);
    expect(holdsMoreValuesThan({ a: { b: { prompt: Array(100).fill(1) } } }, 10)).toBe(true);
    expect(holdsMoreValuesThan({ a: 1, b: 2 }, 2)).toBe(false);
    expect(holdsMoreValuesThan({ a: 1, b: 2, c: 3 }, 2)).toBe(true);
  });
});
