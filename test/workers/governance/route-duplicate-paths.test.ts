import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { VALID } from './fixtures.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey({ id: 'key_gov_paths', tenant: 'tenant-gov-paths', scopes: ['governance'] });
});

function post(files: Array<{ path: string; content: string }>) {
  return exports.default.fetch('http://gw/v1/governance/validate', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ files }),
  });
}

// Two files under one path make a report no one can act on: which one has the finding, and which one
// does "already used by a.qyaml:28" mean?
describe('POST /v1/governance/validate and file paths', () => {
  it('refuses two files with the same path, naming the second', async () => {
    const res = await post([
      { path: 'k8s/a.qyaml', content: VALID },
      { path: 'k8s/b.qyaml', content: VALID },
      { path: 'k8s/a.qyaml', content: VALID },
    ]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect(body.error).toMatchObject({
      code: 'invalid_request',
      param: 'files.2.path',
      message: 'Invalid request: files.2.path: "k8s/a.qyaml" is already the path of files.0',
    });
  });

  it('still takes distinct paths', async () => {
    const res = await post([
      { path: 'k8s/a.qyaml', content: VALID },
      { path: 'k8s/A.qyaml', content: VALID.replace('api-svc.eco-base', 'api2.eco-base') },
    ]);
    expect(res.status).toBe(200);
  });
});
