import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { call } from './helpers.ts';

// How /admin/keys and /admin/usage read their query parameters: each at most once, `limit` in plain
// digits, and the usage report's key filter under either of its names.

const TENANT = `lqv-${crypto.randomUUID().slice(0, 8)}`;
let admin: string;

const errorOf = async (res: Response) => ({
  status: res.status,
  error: ((await res.json()) as { error: { type: string; code: string; param: string | null } }).error,
});

const refused = (param: string) => ({
  status: 400,
  error: expect.objectContaining({ type: 'invalid_request_error', code: 'invalid_request', param }),
});

async function seedUsage(keyId: string, requests: number): Promise<void> {
  for (let i = 0; i < requests; i++) {
    await env.DB.prepare(
      `INSERT INTO usage_events (id, request_id, key_id, tenant, model, prompt_tokens, completion_tokens, status, latency_ms, created_at)
       VALUES (?, ?, ?, ?, 'lqv-model', 2, 1, 200, 5, ?)`,
    )
      .bind(crypto.randomUUID(), crypto.randomUUID(), keyId, TENANT, Date.now())
      .run();
  }
}

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: `${TENANT}-ops` });
  await seedKey({ id: 'key_lqv_a', tenant: TENANT });
  await seedKey({ id: 'key_lqv_b', tenant: TENANT });
  await seedUsage('key_lqv_a', 2);
  await seedUsage('key_lqv_b', 3);
});

describe('GET /admin/keys query values', () => {
  it.each(['1e2', '0x10', '+5', ' 5', '5.0', '-1'])(
    'refuses limit=%s, which is not plain digits',
    async (limit) => {
      const res = await call(`/admin/keys?tenant=${TENANT}&limit=${encodeURIComponent(limit)}`, admin);
      expect(await errorOf(res)).toEqual(refused('limit'));
    },
  );

  it('takes a limit in plain digits, and 100 when none is given', async () => {
    const one = await call(`/admin/keys?tenant=${TENANT}&limit=1`, admin);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { data: unknown[]; has_more: boolean }).has_more).toBe(true);
    const all = await call(`/admin/keys?tenant=${TENANT}`, admin);
    expect(((await all.json()) as { data: unknown[] }).data).toHaveLength(2);
  });

  it.each([
    [`tenant=${TENANT}&tenant=other`, 'tenant'],
    ['limit=1&limit=2', 'limit'],
    ['cursor=a&cursor=b', 'cursor'],
    ['include_revoked=true&include_revoked=false', 'include_revoked'],
  ])('refuses a parameter given twice instead of reading its first value (%s)', async (query, param) => {
    expect(await errorOf(await call(`/admin/keys?${query}`, admin))).toEqual(refused(param));
  });
});

describe('GET /admin/usage query values', () => {
  const requests = async (query: string) => {
    const res = await call(`/admin/usage?${query}`, admin);
    expect(res.status).toBe(200);
    return ((await res.json()) as { totals: { requests: number } }).totals.requests;
  };

  it('filters by key as by key_id', async () => {
    expect(await requests(`tenant=${TENANT}&key_id=key_lqv_a`)).toBe(2);
    expect(await requests(`tenant=${TENANT}&key=key_lqv_a`)).toBe(2);
    expect(await requests(`tenant=${TENANT}`)).toBe(5);
  });

  it.each([
    ['key=key_lqv_a&key_id=key_lqv_b', 'key'],
    ['key=', 'key'],
  ])('refuses a key filter that is ambiguous or empty (%s)', async (query, param) => {
    expect(await errorOf(await call(`/admin/usage?${query}`, admin))).toEqual(refused(param));
  });

  it.each([
    [`tenant=${TENANT}&tenant=other`, 'tenant'],
    ['key_id=key_lqv_a&key_id=key_lqv_b', 'key_id'],
    ['model=a&model=b', 'model'],
    ['group_by=day&group_by=model', 'group_by'],
    ['start=2026-01-01&start=2026-01-02', 'start'],
  ])('refuses a parameter given twice instead of reading its first value (%s)', async (query, param) => {
    expect(await errorOf(await call(`/admin/usage?${query}`, admin))).toEqual(refused(param));
  });

  it('refuses a date given twice on the own-usage report too', async () => {
    expect(await errorOf(await call('/v1/usage?end=2026-01-01&end=2026-01-02', admin))).toEqual(
      refused('end'),
    );
  });
});
