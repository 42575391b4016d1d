import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAnswer, chatAs, expectError, seedVllmPool, waitFor } from './helpers.ts';

let admin: string;

interface KeyBody {
  id: string;
  key?: string;
  prefix: string;
  scopes: string[];
  status: string;
  limits: Record<string, number>;
  last_used_at: string | null;
  previous_secrets: { prefix: string; valid_until: string }[];
}

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await seedVllmPool('keys-pool', 'k1', 'keys-origin.test', 'keys-model', 8);
});

const answer = () =>
  chatAnswer('hi', { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }, 'keys-model-engine');

const chat = (key: string) => chatAs(key, 'keys-model');

async function create(body: Record<string, unknown>): Promise<KeyBody> {
  const res = await call('/admin/keys', admin, { method: 'POST', body });
  expect(res.status).toBe(201);
  return (await res.json()) as KeyBody;
}

async function auditActions(target: string): Promise<string[]> {
  const rows = await env.DB.prepare('SELECT action FROM audit_log WHERE target = ? ORDER BY created_at')
    .bind(target)
    .all<{ action: string }>();
  return rows.results.map((r) => r.action);
}

describe('API key lifecycle over HTTP', () => {
  it('create → use → rotate (old works within grace, then not) → revoke → 401 → delete', async () => {
    mockOrigin('keys-origin.test', answer);
    const created = await create({ name: 'svc', tenant: 'acme', limits: { requests_per_minute: 100 } });
    expect(created.key).toMatch(/^eco_sk_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key!.slice(0, 13));
    expect(created.limits).toEqual({ requests_per_minute: 100 });
    const secret = created.key!;

    // The secret is never shown again.
    const listed = await (await call('/admin/keys?tenant=acme', admin)).text();
    expect(listed).toContain(created.id);
    expect(listed).not.toContain(secret);
    const got = await (await call(`/admin/keys/${created.id}`, admin)).text();
    expect(got).not.toContain(secret);
    const row = await env.DB.prepare('SELECT * FROM api_keys WHERE id = ?').bind(created.id).first();
    expect(JSON.stringify(row)).not.toContain(secret);

    expect((await chat(secret)).status).toBe(200);

    // Rotate with an hour's grace: both secrets work until it ends, then only the new one.
    const rotatedAt = Date.now();
    const rotated = await call(`/admin/keys/${created.id}/rotate`, admin, {
      method: 'POST',
      body: { grace_period_seconds: 3600 },
    });
    expect(rotated.status).toBe(200);
    const rotatedBody = (await rotated.json()) as KeyBody;
    const fresh = rotatedBody.key!;
    expect(fresh).not.toBe(secret);
    expect(rotatedBody.id).toBe(created.id);
    expect(rotatedBody.previous_secrets).toHaveLength(1);
    expect(Date.parse(rotatedBody.previous_secrets[0]!.valid_until)).toBeGreaterThanOrEqual(
      rotatedAt + 3_600_000,
    );
    expect((await chat(fresh)).status).toBe(200);
    expect((await chat(secret)).status).toBe(200);
    // The grace ends (moved to the past rather than waited for); this isolate forgets what it cached.
    await env.DB.prepare('UPDATE api_key_retired_hashes SET grace_until = ? WHERE key_id = ?')
      .bind(Date.now() - 1, created.id)
      .run();
    invalidateKeyCache();
    await expectError(await chat(secret), 401, 'api_key_rotated');
    expect((await chat(fresh)).status).toBe(200);

    const revoked = await call(`/admin/keys/${created.id}/revoke`, admin, { method: 'POST' });
    expect(((await revoked.json()) as KeyBody).status).toBe('revoked');
    // Same isolate: the change is seen at once.
    await expectError(await chat(fresh), 401, 'api_key_revoked');
    expect((await call(`/admin/keys/${created.id}/rotate`, admin, { method: 'POST' })).status).toBe(409);

    const deleted = await call(`/admin/keys/${created.id}`, admin, { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ id: created.id, object: 'api_key', deleted: true });
    await expectError(await chat(fresh), 401, 'invalid_api_key');
    await expectError(await call(`/admin/keys/${created.id}`, admin), 404, 'api_key_not_found');

    expect(await auditActions(created.id)).toEqual([
      'api_key.create',
      'api_key.rotate',
      'api_key.revoke',
      'api_key.delete',
    ]);
    const audit = await env.DB.prepare('SELECT detail FROM audit_log WHERE target = ?')
      .bind(created.id)
      .all();
    expect(JSON.stringify(audit.results)).not.toContain(secret.slice(13));
    expect(JSON.stringify(audit.results)).not.toContain(fresh.slice(13));
  });

  it('updates scopes, limits, models, priorities and expiry; every change audited', async () => {
    mockOrigin('keys-origin.test', answer);
    const k = await create({ name: 'u', tenant: 'acme', scopes: ['inference', 'jobs'] });
    const patch = (body: unknown) => call(`/admin/keys/${k.id}`, admin, { method: 'PATCH', body });
    const res = await patch({
      scopes: ['jobs'],
      limits: { tokens_per_day: 5000 },
      allowed_models: ['other-model'],
      max_priority: 'critical',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as KeyBody;
    expect(body.scopes).toEqual(['jobs']);
    expect(body.limits).toEqual({ tokens_per_day: 5000 });
    await expectError(await chat(k.key!), 403, 'insufficient_scope');
    await patch({ scopes: ['inference'], allowed_models: null });
    expect((await chat(k.key!)).status).toBe(200);
    await expectError(
      await patch({ default_priority: 'critical', max_priority: 'low' }),
      400,
      'invalid_request',
    );
    await expectError(await patch({ scopes: ['root'] }), 400, 'invalid_request');
    await expectError(await patch({ nope: 1 }), 400, 'invalid_request');
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const expiring = (await (await patch({ expires_at: expiresAt })).json()) as { expires_at: string };
    expect(expiring.expires_at).toBe(expiresAt);
    // A past expiry is refused (key-expires-past.test.ts): the key stays usable.
    await expectError(
      await patch({ expires_at: new Date(Date.now() - 1000).toISOString() }),
      400,
      'invalid_request',
    );
    expect((await chat(k.key!)).status).toBe(200);
    expect(await auditActions(k.id)).toEqual([
      'api_key.create',
      'api_key.update',
      'api_key.update',
      'api_key.update',
    ]);
  });

  it('answers 403 without the admin scope and 401 for unknown, missing or malformed credentials', async () => {
    const user = await seedKey({ scopes: ['inference'] });
    await expectError(await call('/admin/keys', user), 403, 'insufficient_scope');
    await expectError(
      await call('/admin/keys', user, { method: 'POST', body: {} }),
      403,
      'insufficient_scope',
    );
    await expectError(await call('/admin/keys', 'eco_sk_unknown'), 401, 'invalid_api_key');
    await expectError(await call('/admin/keys', null), 401, 'missing_api_key');
    await expectError(
      await call('/admin/keys', null, { headers: { authorization: 'Basic abc' } }),
      401,
      'invalid_authorization',
    );
    const res = await call('/admin/keys', 'eco_sk_unknown');
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    const expired = await seedKey({ expiresAt: Date.now() - 1 });
    await expectError(await call('/v1/models', expired), 401, 'api_key_expired');
    const revoked = await seedKey({ revokedAt: Date.now() - 1 });
    await expectError(await call('/v1/models', revoked), 401, 'api_key_revoked');
  });

  it('validates creation input', async () => {
    const bad = (body: unknown) => call('/admin/keys', admin, { method: 'POST', body });
    await expectError(await bad({ tenant: 'a' }), 400, 'invalid_request');
    await expectError(await bad({ name: 'x', tenant: 'has space' }), 400, 'invalid_request');
    await expectError(
      await bad({ name: 'x', tenant: 'a', limits: { requests_per_minute: -1 } }),
      400,
      'invalid_request',
    );
    await expectError(
      await bad({ name: 'x', tenant: 'a', expires_in_seconds: 5, expires_at: new Date().toISOString() }),
      400,
      'invalid_request',
    );
    const res = await call('/admin/keys', admin, {
      method: 'POST',
      body: { name: 'x', tenant: 'a', expires_in_seconds: 3600 },
    });
    const body = (await res.json()) as { expires_at: string };
    expect(Math.abs(Date.parse(body.expires_at) - Date.now() - 3_600_000)).toBeLessThan(5000);
  });

  it('lists with pagination and hides revoked keys unless asked', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ name: `p${i}`, tenant: 'paged' })).id);
    await call(`/admin/keys/${ids[0]}/revoke`, admin, { method: 'POST' });
    const first = (await (await call('/admin/keys?tenant=paged&limit=1', admin)).json()) as {
      data: KeyBody[];
      has_more: boolean;
      next_cursor: string;
    };
    expect(first.data).toHaveLength(1);
    expect(first.has_more).toBe(true);
    const second = (await (
      await call(`/admin/keys?tenant=paged&limit=5&cursor=${first.next_cursor}`, admin)
    ).json()) as { data: KeyBody[]; has_more: boolean };
    expect([...first.data, ...second.data].map((k) => k.id).sort()).toEqual(ids.slice(1).sort());
    expect(second.has_more).toBe(false);
    const all = (await (await call('/admin/keys?tenant=paged&include_revoked=true', admin)).json()) as {
      data: KeyBody[];
    };
    expect(all.data).toHaveLength(3);
  });

  it('records last_used_at off the hot path, at most once a minute', { timeout: 15_000 }, async () => {
    const k = await create({ name: 'lu', tenant: 'acme' });
    expect(k.last_used_at).toBeNull();
    await call('/v1/models', k.key!);
    let first: number | null = null;
    await waitFor(async () => {
      const row = await env.DB.prepare('SELECT last_used_at FROM api_keys WHERE id = ?')
        .bind(k.id)
        .first<{ last_used_at: number | null }>();
      first = row?.last_used_at ?? null;
      return first !== null;
    }, 10_000);
    await call('/v1/models', k.key!);
    await call('/v1/models', k.key!);
    const row = await env.DB.prepare('SELECT last_used_at FROM api_keys WHERE id = ?')
      .bind(k.id)
      .first<{ last_used_at: number }>();
    expect(row?.last_used_at).toBe(first);
  });

  it('bounds how long another isolate may accept a revoked key by ECO_KEY_CACHE_TTL_MS', async () => {
    const ttl = Number(env.ECO_KEY_CACHE_TTL_MS ?? 5000);
    const k = await create({ name: 'bound', tenant: 'acme' });
    expect((await call('/v1/models', k.key!)).status).toBe(200); // now cached
    // Revoke behind this isolate's back, as another isolate's admin call would.
    const revokedAt = Date.now();
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').bind(revokedAt, k.id).run();
    // Still served from the cache: the bound is the TTL, not zero.
    expect((await call('/v1/models', k.key!)).status).toBe(200);
    // Refused once the cached entry is older than the TTL (polled with requests of its own: a margin).
    await waitFor(async () => (await call('/v1/models', k.key!)).status === 401, ttl + 2000);
  }, 15_000);
});
