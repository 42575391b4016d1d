import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../governance/index.ts';
import { seedKey } from '../helpers/seed.ts';
import { VALID } from './fixtures.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey({ id: 'key_gov_exact', tenant: 'tenant-gov', scopes: ['governance'] });
});

/** A JSON body written by hand: JSON.stringify could not even write these integers exactly. */
function post(policy: string) {
  const files = JSON.stringify([{ path: 'a.qyaml', content: VALID }]);
  return exports.default.fetch('http://gw/v1/governance/validate', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: `{"files": ${files}, "policy": ${policy}}`,
  });
}

// JSON.parse rounds 9007199254740993 to 9007199254740992: the policy checked would not be the one sent.
describe('policies sent as JSON are read with exact integers, like policy files', () => {
  const cases: Array<[string, string]> = [
    ['{"generate": {"registryTtl": 9007199254740993}}', 'generate.registryTtl: 9007199254740993'],
    ['{"limits": {"maxFileBytes": 9007199254740993}}', 'limits.maxFileBytes: 9007199254740993'],
    [
      '{"uuidVersions": [1, -123456789012345678901234567890]}',
      'uuidVersions.1: -123456789012345678901234567890',
    ],
  ];
  for (const [policy, named] of cases) {
    it(`refuses ${named} by name, with the value as written`, async () => {
      const res = await post(policy);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { message: string; param: string; code: string } };
      const message = `invalid policy: ${named} is beyond the largest integer read exactly (9007199254740991)`;
      expect(body.error).toMatchObject({ message, param: 'policy', code: 'invalid_request' });
      // The same policy in a policy file is refused with the same words.
      expect(parsePolicyText(policy)).toEqual({ ok: false, error: message });
    });
  }

  it('still reads exact integers and floats as numbers', async () => {
    const res = await post(
      '{"limits": {"maxDepth": 10, "maxFileBytes": 1000.0}, "generate": {"registryTtl": 9007199254740991}}',
    );
    expect(res.status).toBe(200);
  });

  it('leaves large integers outside the policy to the request check', async () => {
    const res = await exports.default.fetch('http://gw/v1/governance/validate', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"files": [{"path": "a.qyaml", "content": 9007199254740993}]}',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string } };
    expect(body.error.param).toBe('files.0.content');
  });
});
