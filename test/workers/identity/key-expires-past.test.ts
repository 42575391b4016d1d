import { describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { call, expectError } from './helpers.ts';

type KeyBody = { id: string; key?: string; status: string; expires_at: string | null };

const past = () => new Date(Date.now() - 60_000).toISOString();
const future = () => new Date(Date.now() + 3_600_000).toISOString();

async function refusedOn(res: Response, param: string): Promise<void> {
  const copy = res.clone();
  await expectError(res, 400, 'invalid_request');
  const body = (await copy.json()) as { error: { param: string | null; message: string } };
  expect(body.error.param).toBe(param);
  expect(body.error.message).toContain('past');
}

describe('a key expiry in the past', () => {
  it('is refused on create, naming expires_at, and no key is made', async () => {
    const adminId = `key_expiry_create_${crypto.randomUUID().slice(0, 8)}`;
    const admin = await seedKey({ id: adminId, scopes: ['admin'], tenant: 'expiry-create' });
    await refusedOn(
      await call('/admin/keys', admin, {
        method: 'POST',
        body: { name: 'late', tenant: 'expiry-create', expires_at: past() },
      }),
      'expires_at',
    );
    const listed = await call('/admin/keys?tenant=expiry-create', admin);
    expect(listed.status).toBe(200);
    const list = (await listed.json()) as { data: { id: string; name: string }[] };
    // The listing works (it shows the tenant's admin key), and the refused key is not in it.
    expect(list.data.map((k) => k.id)).toContain(adminId);
    expect(list.data.map((k) => k.name)).not.toContain('late');
  });

  it('is refused on update; a future expiry or none renews even an already expired key', async () => {
    const admin = await seedKey({ scopes: ['admin'] });
    const created = (await (
      await call('/admin/keys', admin, { method: 'POST', body: { name: 'k', tenant: 'expiry-patch' } })
    ).json()) as KeyBody;
    const patch = (body: unknown) => call(`/admin/keys/${created.id}`, admin, { method: 'PATCH', body });
    await refusedOn(await patch({ expires_at: past() }), 'expires_at');
    const unchanged = (await (await call(`/admin/keys/${created.id}`, admin)).json()) as KeyBody;
    expect(unchanged).toMatchObject({ status: 'active', expires_at: null });

    const expired = await seedKey({ scopes: ['admin'], tenant: 'expiry-lapsed', expiresAt: Date.now() - 1 });
    const listed = (await (await call('/admin/keys?tenant=expiry-lapsed', admin)).json()) as {
      data: (KeyBody & { prefix: string })[];
    };
    const row = listed.data.find((k) => expired.startsWith(k.prefix) && k.status === 'expired')!;
    const patchExpired = (body: unknown) => call(`/admin/keys/${row.id}`, admin, { method: 'PATCH', body });
    await refusedOn(await patchExpired({ expires_at: past() }), 'expires_at');
    // Other fields of an expired key can still be changed: it stays expired.
    const renamed = await patchExpired({ name: 'still expired' });
    expect(((await renamed.json()) as KeyBody).status).toBe('expired');
    const renewed = (await (await patchExpired({ expires_at: future() })).json()) as KeyBody;
    expect(renewed.status).toBe('active');
    expect((await call('/v1/models', expired)).status).toBe(200);
  });
});

describe('expires_in_seconds', () => {
  it('below one second is refused, never a key that is expired when it is returned', async () => {
    const adminId = `key_expiry_in_${crypto.randomUUID().slice(0, 8)}`;
    const admin = await seedKey({ id: adminId, scopes: ['admin'], tenant: 'expiry-in' });
    for (const seconds of [0.0001, 0.4]) {
      const res = await call('/admin/keys', admin, {
        method: 'POST',
        body: { name: 'instant', tenant: 'expiry-in', expires_in_seconds: seconds },
      });
      const copy = res.clone();
      await expectError(res, 400, 'invalid_request');
      expect(((await copy.json()) as { error: { param: string } }).error.param).toBe('expires_in_seconds');
    }
    const listed = await call('/admin/keys?tenant=expiry-in', admin);
    expect(listed.status).toBe(200);
    const list = (await listed.json()) as { data: { id: string; name: string }[] };
    expect(list.data.map((k) => k.id)).toContain(adminId);
    expect(list.data.map((k) => k.name)).not.toContain('instant');
    const ok = (await (
      await call('/admin/keys', admin, {
        method: 'POST',
        body: { name: 'short', tenant: 'expiry-in', expires_in_seconds: 60 },
      })
    ).json()) as KeyBody;
    expect(ok.status).toBe('active');
  });
});
