import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { call } from './helpers.ts';

let admin: string;
const ROWS = 10_050;
const day = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  // One request each from many keys of one tenant: more groups than one answer holds.
  await env.DB.prepare(
    `INSERT INTO usage_events (id, request_id, key_id, tenant, model, prompt_tokens, completion_tokens, status, latency_ms, created_at)
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     SELECT 'ut-' || i, 'ut-req-' || i, printf('ut-key-%05d', i), 'ut-tenant', 'm', 1, 1, 200, 1, ? FROM n`,
  )
    .bind(ROWS, Date.now())
    .run();
});

describe('GET /admin/usage: a result larger than one answer', () => {
  it('says that groups were left out instead of returning a silently truncated list', async () => {
    const res = await call(`/admin/usage?tenant=ut-tenant&group_by=key&start=${day}&end=${day}`, admin);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data: { requests: number }[];
      totals: { requests: number };
      has_more: boolean;
    };
    expect(body.totals.requests).toBe(ROWS);
    expect(body.data.length).toBeLessThan(ROWS);
    expect(body.has_more).toBe(true);
  });

  it('answers has_more: false when every group is in the answer', async () => {
    const res = await call(`/admin/usage?tenant=ut-tenant&group_by=day&start=${day}&end=${day}`, admin);
    const body = (await res.json()) as { data: { requests: number }[]; has_more: boolean };
    expect(body.data).toHaveLength(1);
    expect(body.data[0]!.requests).toBe(ROWS);
    expect(body.has_more).toBe(false);
  });
});
