import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey({ id: 'key_gov_structure', tenant: 'tenant-gov', scopes: ['governance'] });
});

function post(body: BodyInit, contentType: string) {
  return exports.default.fetch('http://gw/v1/governance/validate', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
    body,
  });
}

type Report = { files: { diagnostics: { rule: string; message: string }[] }[] };
type ErrorBody = { error: { code: string; type: string; param: string | null; message: string } };

describe('POST /v1/governance/validate within bounded memory', () => {
  it('answers a 1 MB flow list with a QY002 finding, without parsing it', async () => {
    const res = await post(`[${'a,'.repeat(500_000)}a]\n`, 'application/yaml');
    expect(res.status).toBe(200);
    const report = (await res.json()) as Report;
    expect(report.files[0]?.diagnostics.map((d) => [d.rule, d.message])).toEqual([
      ['QY002', 'file holds more than 100000 YAML tokens (the limit)'],
    ]);
  });

  it('lets a policy lower the token limit, never raise it', async () => {
    const files = [{ path: 'a.qyaml', content: `[${'a,'.repeat(100)}a]\n` }];
    const lower = await post(
      JSON.stringify({ files, policy: { limits: { maxTokens: 50 } } }),
      'application/json',
    );
    expect(lower.status).toBe(200);
    const report = (await lower.json()) as Report;
    expect(report.files[0]?.diagnostics[0]?.message).toBe('file holds more than 50 YAML tokens (the limit)');
    const higher = await post(
      JSON.stringify({ files, policy: { limits: { maxTokens: 100_001 } } }),
      'application/json',
    );
    expect(higher.status).toBe(400);
    expect(((await higher.json()) as ErrorBody).error).toMatchObject({
      code: 'invalid_request',
      param: 'policy.limits.maxTokens',
    });
  });

  it('answers a JSON body nested too deeply to read with a 400 that says so', async () => {
    const deep = `{"files":[{"path":"a","content":"a: 1"}],"policy":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const res = await post(deep, 'application/json');
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toEqual({
      code: 'invalid_request',
      type: 'invalid_request_error',
      param: null,
      message: 'The request body nests arrays and objects too deeply to read.',
    });
  });
});
