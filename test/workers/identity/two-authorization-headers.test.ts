import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';

// Two Authorization headers reach the Worker joined by a comma. The caller is told that, not that
// the scheme is wrong: a proxy adding its own header is the usual cause.

let key: string;

beforeAll(async () => {
  key = await seedKey();
});

describe('two Authorization headers', () => {
  it('are refused with a message that says there are several', async () => {
    const headers = new Headers();
    headers.append('authorization', `Bearer ${key}`);
    headers.append('authorization', `Bearer ${key}`);
    const res = await exports.default.fetch('http://gw/v1/models', { headers });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_authorization');
    expect(body.error.message).toMatch(/one Authorization header/);
  });
});
