import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig } from '../../../schemas/config.ts';
import { deleteModel, deletePool, getModelAndRow } from '../../../workers/admin/config-store.ts';
import { parseIfMatch } from '../../../workers/admin/preconditions.ts';
import { findStoredPool } from '../../../workers/admin/stored-pool.ts';
import { auditActions } from '../helpers/audit.ts';
import { racingBatch } from '../helpers/racing-batch.ts';
import { refusal } from '../helpers/refusal.ts';
import { seedKey } from '../helpers/seed.ts';
import { callAs, errorOf, poolBody } from './admin-call.ts';

// Two operators who each read an object, edit it and write it back must not overwrite each other unseen:
// reads answer an ETag, and a write sent with If-Match applies only to the version it names.

let admin: string;

/** A JSON request as the admin key, with `If-Match` when given. */
function call(method: string, path: string, ifMatch?: string, body?: unknown): Promise<Response> {
  return exports.default.fetch(`http://gw${path}`, {
    method,
    headers: {
      authorization: `Bearer ${admin}`,
      'content-type': 'application/json',
      ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function etagOf(path: string): Promise<string> {
  const res = await call('GET', path);
  expect(res.status).toBe(200);
  const tag = res.headers.get('etag');
  expect(tag).toMatch(/^"[^"]+"$/);
  return tag!;
}

async function expectPreconditionFailed(res: Response): Promise<void> {
  expect(res.status).toBe(412);
  expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', code: 'precondition_failed' });
}

const capacityOf = async (name: string) => (await findStoredPool(env.DB, name))?.config.origins[0]?.capacity;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  for (const name of ['aim-pool', 'aim-post', 'aim-del', 'aim-list']) {
    expect((await callAs(admin, 'POST', '/admin/pools', poolBody(name))).status).toBe(201);
  }
  for (const id of ['aim-model', 'aim-model-del']) {
    const created = await callAs(admin, 'POST', '/admin/models', {
      id,
      routes: [{ pool: 'aim-pool', engineModel: 'e' }],
    });
    expect(created.status).toBe(201);
  }
});

describe('If-Match on pool writes', () => {
  it('a PATCH applies to the version read, answers the new ETag, and a second PATCH from the old read is 412', async () => {
    const read = await etagOf('/admin/pools/aim-pool');
    const first = await call('PATCH', '/admin/pools/aim-pool', read, {
      origins: [{ id: 'a', url: 'http://aim-pool-a.test', capacity: 6 }],
    });
    expect(first.status).toBe(200);
    const written = first.headers.get('etag');
    expect(written).not.toBe(read);
    expect(written).toBe(await etagOf('/admin/pools/aim-pool'));

    const before = await auditActions('aim-pool');
    const stale = await call('PATCH', '/admin/pools/aim-pool', read, {
      origins: [{ id: 'a', url: 'http://aim-pool-a.test', capacity: 2 }],
    });
    await expectPreconditionFailed(stale);
    expect(await capacityOf('aim-pool')).toBe(6);
    expect(await auditActions('aim-pool')).toEqual(before);
  });

  it('a POST with If-Match replaces only the version named, and never creates', async () => {
    const read = await etagOf('/admin/pools/aim-post');
    const replaced = await call(
      'POST',
      '/admin/pools',
      read,
      poolBody('aim-post', { options: { note: 'one' } }),
    );
    expect(replaced.status).toBe(200);
    await expectPreconditionFailed(
      await call('POST', '/admin/pools', read, poolBody('aim-post', { options: { note: 'two' } })),
    );
    expect((await findStoredPool(env.DB, 'aim-post'))?.config).toMatchObject({ options: { note: 'one' } });

    await expectPreconditionFailed(await call('POST', '/admin/pools', '*', poolBody('aim-absent')));
    expect(await findStoredPool(env.DB, 'aim-absent')).toBeUndefined();
    expect(await auditActions('aim-absent')).toEqual([]);
  });

  it('a DELETE from a stale read is 412 and the pool stays; from the current one it deletes', async () => {
    const read = await etagOf('/admin/pools/aim-del');
    const patched = await call('PATCH', '/admin/pools/aim-del', undefined, { options: { note: 'changed' } });
    expect(patched.status).toBe(200);
    await expectPreconditionFailed(await call('DELETE', '/admin/pools/aim-del', read));
    expect(await findStoredPool(env.DB, 'aim-del')).toBeDefined();

    const current = await etagOf('/admin/pools/aim-del');
    expect((await call('DELETE', '/admin/pools/aim-del', current)).status).toBe(200);
    expect(await findStoredPool(env.DB, 'aim-del')).toBeUndefined();
  });

  it('reads If-Match as HTTP lists it: *, several tags, a weak tag as its value (a compressing proxy weakens ETags), 400 for anything else', async () => {
    const current = await etagOf('/admin/pools/aim-list');
    const patch = (ifMatch: string, note: string) =>
      call('PATCH', '/admin/pools/aim-list', ifMatch, { options: { note } });

    expect((await patch('*', 'any')).status).toBe(200);
    const now = await etagOf('/admin/pools/aim-list');
    expect((await patch(` "nope" ,, ${now}`, 'listed')).status).toBe(200);
    const weakened = await etagOf('/admin/pools/aim-list');
    expect((await patch(`W/${weakened}`, 'weak')).status).toBe(200);
    await expectPreconditionFailed(await patch(`W/${weakened}`, 'stale'));
    expect(current).not.toBe(weakened);

    for (const bad of ['abc', '"unterminated', '"a" "b"', 'W/abc', '"a";']) {
      const res = await patch(bad, 'bad');
      expect(res.status, bad).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'invalid_request', param: 'If-Match' });
    }
    expect((await findStoredPool(env.DB, 'aim-list'))?.config).toMatchObject({ options: { note: 'weak' } });
  });

  it('a conditional delete whose pool changes between its check and its write deletes nothing (412)', async () => {
    const current = await findStoredPool(env.DB, 'aim-list');
    const racing = racingBatch(env.DB, (db) =>
      db.prepare('UPDATE pools SET updated_at = updated_at + 1 WHERE name = ?').bind('aim-list').run(),
    );
    const err = await refusal(
      deletePool(
        racing,
        'aim-list',
        { actorKeyId: 'k', action: 'pool.delete', target: 'aim-list' },
        current!.version,
      ),
    );
    expect(err).toMatchObject({ status: 412, code: 'precondition_failed' });
    expect(await findStoredPool(env.DB, 'aim-list')).toBeDefined();
    expect(await auditActions('aim-list')).not.toContain('pool.delete');
  });
});

describe('parseIfMatch', () => {
  it('reads *, lists with empty members and weak tags (as their value), and refuses an empty value or anything else', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch(' * ')).toEqual({ any: true });
    expect(parseIfMatch('"a", ,W/"b",\t"c,d"')).toEqual({ any: false, tags: ['a', 'b', 'c,d'] });
    expect(parseIfMatch('W/"b"')).toEqual({ any: false, tags: ['b'] });
    for (const bad of ['', ' ', ',', '*, "a"', '"a"x', '"a\u0001"']) {
      expect(() => parseIfMatch(bad), JSON.stringify(bad)).toThrow(/If-Match/);
    }
  });
});

describe('If-Match on model writes', () => {
  it('a PATCH applies to the version read; a PATCH or DELETE from the old read is 412 and changes nothing', async () => {
    const read = await etagOf('/admin/models/aim-model');
    const first = await call('PATCH', '/admin/models/aim-model', read, { aliases: ['aim-one'] });
    expect(first.status).toBe(200);
    const written = first.headers.get('etag');
    expect(written).not.toBe(read);
    expect(written).toBe(await etagOf('/admin/models/aim-model'));

    await expectPreconditionFailed(
      await call('PATCH', '/admin/models/aim-model', read, { aliases: ['aim-two'] }),
    );
    await expectPreconditionFailed(await call('DELETE', '/admin/models/aim-model', read));
    const { model } = await getModelAndRow(env.DB, 'aim-model');
    expect(model.aliases).toEqual(['aim-one']);
    expect(await auditActions('aim-model')).toEqual(['model.create', 'model.update']);

    expect((await call('DELETE', '/admin/models/aim-model', written!)).status).toBe(200);
  });

  it('a created model answers its ETag, and a conditional delete racing a change deletes nothing', async () => {
    const { stored } = await getModelAndRow(env.DB, 'aim-model-del');
    const racing = racingBatch(env.DB, (db) =>
      db.prepare(`UPDATE models SET aliases = '["aim-raced"]' WHERE id = ?`).bind('aim-model-del').run(),
    );
    const audit = { actorKeyId: 'k', action: 'model.delete', target: 'aim-model-del' };
    expect(await deleteModel(racing, 'aim-model-del', audit, stored)).toBe(false);
    expect((await getModelAndRow(env.DB, 'aim-model-del')).model.aliases).toEqual(['aim-raced']);

    const created = await call('POST', '/admin/models', undefined, {
      id: 'aim-model-new',
      routes: [{ pool: 'aim-pool', engineModel: 'e' }],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe(await etagOf('/admin/models/aim-model-new'));
    ModelConfig.parse(await created.json());
  });
});
