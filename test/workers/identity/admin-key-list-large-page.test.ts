import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { call } from './helpers.ts';

// A page may hold up to 500 keys, while D1 binds at most 100 parameters per statement: the previous
// secrets of a page's keys are looked up in as many statements as that takes.
const TENANT = 'large-page';
const KEYS = 230;
let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: TENANT });
  for (let i = 1; i < KEYS; i++) await seedKey({ tenant: TENANT });
});

describe('GET /admin/keys with a page of more than 100 keys', () => {
  it('lists them all in one page', async () => {
    const res = await call(`/admin/keys?tenant=${TENANT}&limit=500`, admin);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: { tenant: string }[]; has_more: boolean };
    expect(page.data).toHaveLength(KEYS);
    expect(page.has_more).toBe(false);
  });

  it('pages through them by cursor, each key once', async () => {
    const ids: string[] = [];
    let query = `/admin/keys?tenant=${TENANT}&limit=150`;
    for (;;) {
      const res = await call(query, admin);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { data: { id: string }[]; next_cursor: string | null };
      ids.push(...page.data.map((k) => k.id));
      if (page.next_cursor === null) break;
      query = `/admin/keys?tenant=${TENANT}&limit=150&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    expect(new Set(ids).size).toBe(KEYS);
  });
});
