import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { callAs } from './gateway-call.ts';

// Origin ids are path segments of the admin API, metric labels, log fields and stored keys: an id
// that cannot be named in a URL (`..`) could never be isolated, and control characters in one break
// logs and scrapers. The admin API takes the tenant name rule for them.

let admin: string;
beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
});

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

const pool = (name: string, ids: string[]) => ({
  name,
  protocol: 'vllm',
  origins: ids.map((id, i) => ({ id, url: `http://${name}-${i}.test`, capacity: 2 })),
  health: { enabled: false },
});

describe('origin ids on pool writes', () => {
  for (const id of ['..', '.', 'n\nx', 'r\rx', 'tab\tx', 'q"x', 'b\\x', 's/x', 'sp x', 'pct%x', 'ü']) {
    it(`refuses ${JSON.stringify(id)} with 400 naming the field`, async () => {
      const res = await call('POST', '/admin/pools', pool('hostile-id', ['ok', id]));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; param: string } };
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.param).toContain('origins');
      expect(body.error.param).toContain('id');
    });
  }

  it('accepts letters, digits and . _ : - and every accepted id can be isolated and reset', async () => {
    const ids = ['a', 'gpu-01.eu_west:2', 'A.B', '...x'];
    expect((await call('POST', '/admin/pools', pool('fine-ids', ids))).status).toBe(201);
    for (const id of ids) {
      const path = `/admin/pools/fine-ids/origins/${encodeURIComponent(id)}`;
      expect((await call('POST', `${path}/isolate`)).status).toBe(200);
      expect((await call('POST', `${path}/reset`)).status).toBe(200);
    }
  });

  it('answers 404 origin_not_found for an origin the pool does not have, and changes nothing', async () => {
    expect((await call('POST', '/admin/pools', pool('unknown-origin', ['a']))).status).toBe(201);
    for (const action of ['isolate', 'reset']) {
      const res = await call('POST', `/admin/pools/unknown-origin/origins/nope/${action}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_not_found');
    }
    const res = await call('POST', '/admin/pools/no-such-pool/origins/a/isolate');
    expect(res.status).toBe(404);
  });
});
