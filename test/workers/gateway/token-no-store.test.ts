import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';

// A minted token is a credential: no cache between the gateway and its caller may keep a copy
// (RFC 6749 §5.1 has token responses carry `Cache-Control: no-store`).

let key: string;

beforeAll(async () => {
  key = await seedKey();
});

describe('POST /v1/auth/token', () => {
  it('answers with Cache-Control: no-store', async () => {
    const res = await exports.default.fetch('http://gw/v1/auth/token', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { access_token: string }).access_token).toBeTruthy();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
  });
});
