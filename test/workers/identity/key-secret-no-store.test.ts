import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { call } from './helpers.ts';

// The answers that carry a key's secret (create, rotate) are credentials: no cache between the
// gateway and the operator may keep a copy. Other key answers never hold a secret.

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
});

describe('answers that carry a key secret', () => {
  it('are Cache-Control: no-store on create and rotate', async () => {
    const created = await call('/admin/keys', admin, { method: 'POST', body: { name: 'ns', tenant: 'ns' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { id, key } = (await created.json()) as { id: string; key: string };
    expect(key).toMatch(/^eco_sk_/);
    const rotated = await call(`/admin/keys/${id}/rotate`, admin, { method: 'POST', body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    expect(rotated.headers.get('pragma')).toBe('no-cache');
  });
});
