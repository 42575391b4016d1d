import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { call, expectError } from './helpers.ts';

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'klf-ops' });
  await seedKey({ tenant: 'klf-a' });
  await seedKey({ tenant: 'klf-b' });
});

describe('GET /admin/keys filters', () => {
  it.each([
    ['an empty tenant', 'tenant=', 'tenant'],
    ['an empty cursor', 'cursor=', 'cursor'],
    ['an empty include_revoked', 'include_revoked=', 'include_revoked'],
    ['an empty limit', 'limit=', 'limit'],
  ])('refuses %s with 400 naming it (instead of listing every tenant)', async (_, query, param) => {
    const res = await call(`/admin/keys?${query}`, admin);
    const body = (await res.clone().json()) as { error?: { param: string | null } };
    await expectError(res, 400, 'invalid_request');
    expect(body.error?.param).toBe(param);
  });

  it('still filters by a tenant that is given', async () => {
    const res = await call('/admin/keys?tenant=klf-a', admin);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { data: { tenant: string }[] };
    expect(list.data.map((k) => k.tenant)).toEqual(['klf-a']);
  });

  it('lists every tenant when no tenant filter is given', async () => {
    // Other files' keys share the database: walk every page and look for this file's tenants.
    const tenants = new Set<string>();
    let query = '/admin/keys?limit=500';
    for (;;) {
      const page = (await (await call(query, admin)).json()) as {
        data: { tenant: string }[];
        next_cursor: string | null;
      };
      for (const k of page.data) tenants.add(k.tenant);
      if (page.next_cursor === null) break;
      query = `/admin/keys?limit=500&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect([...tenants].filter((t) => t.startsWith('klf-')).sort()).toEqual(['klf-a', 'klf-b', 'klf-ops']);
  });
});
