import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { GOVERNANCE_MAX_BODY_BYTES } from '../../../workers/routes/governance.ts';
import { seedKey } from '../helpers/seed.ts';
import { VALID, withUniqueId } from './fixtures.ts';

let key: string;
let inferenceOnly: string;

beforeAll(async () => {
  key = await seedKey({ id: 'key_gov', tenant: 'tenant-gov', scopes: ['governance'] });
  inferenceOnly = await seedKey({ scopes: ['inference'] });
});

function post(body: BodyInit, contentType: string, credential = key) {
  return exports.default.fetch('http://gw/v1/governance/validate', {
    method: 'POST',
    headers: { authorization: `Bearer ${credential}`, 'content-type': contentType },
    body,
  });
}

const BAD = withUniqueId('nope');

describe('POST /v1/governance/validate', () => {
  it('answers 200 with the JSON report and records an audit row', async () => {
    const res = await post(
      JSON.stringify({ files: [{ path: 'a.qyaml', content: VALID.replaceAll('9dad-11d1', '9dad-11d3') }] }),
      'application/json',
    );
    expect(res.status).toBe(200);
    const report = await res.json();
    expect(report).toEqual({
      files: [{ path: 'a.qyaml', diagnostics: [] }],
      summary: { files: 1, errors: 0, warnings: 0 },
    });
    const auditId = res.headers.get('x-eco-audit-id');
    const row = await env.DB.prepare('SELECT * FROM governance_audit WHERE id = ?').bind(auditId).first();
    expect(row).toMatchObject({
      key_id: 'key_gov',
      tenant: 'tenant-gov',
      files: 1,
      document_ids: JSON.stringify(['6ba7b810-9dad-11d3-80b4-00c04fd430c8']),
      errors: 0,
      warnings: 0,
    });
    expect(Math.abs(Date.now() - (row?.created_at as number))).toBeLessThan(60_000);
  });

  it('takes a raw YAML body as one file and still answers 200 on findings', async () => {
    const res = await post(BAD, 'application/yaml');
    expect(res.status).toBe(200);
    const report = (await res.json()) as { files: { path: string; diagnostics: { rule: string }[] }[] };
    expect(report.files[0]?.path).toBe('input.qyaml');
    expect(report.files[0]?.diagnostics.map((d) => d.rule)).toEqual(['QY020']);
  });

  it('applies a policy given in the request', async () => {
    const body = JSON.stringify({
      files: [{ path: 'b.qyaml', content: BAD }],
      policy: { rules: { QY020: 'off' } },
    });
    const report = (await (await post(body, 'application/json')).json()) as { summary: unknown };
    expect(report.summary).toEqual({ files: 1, errors: 0, warnings: 0 });
  });

  it('turns hostile YAML into a diagnostic, not a failure', async () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x,x]',
      ...'bcdefgh'.split('').map((n, i) => `${n}: &${n} [${`*${'abcdefg'[i]},`.repeat(10)}]`),
    ].join('\n');
    const res = await post(bomb, 'text/plain');
    expect(res.status).toBe(200);
    const report = (await res.json()) as { files: { diagnostics: { rule: string }[] }[] };
    expect(report.files[0]?.diagnostics.map((d) => d.rule)).toEqual(['QY002']);
  });

  it('answers 400 for malformed requests', async () => {
    for (const [body, type] of [
      [JSON.stringify({ files: [] }), 'application/json'],
      [JSON.stringify({ files: [{ path: 'x' }] }), 'application/json'],
      [JSON.stringify({ files: [{ path: 'x', content: '' }], policy: { bogus: 1 } }), 'application/json'],
      ['a: 1', 'application/octet-stream'],
    ] as const) {
      const res = await post(body, type);
      expect(res.status).toBe(400);
      const error = (await res.json()) as { error: { code: string; type: string } };
      expect(error.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error' });
    }
  });

  it('refuses a policy that loosens the hostile-input limits', async () => {
    // The limits bound the Worker's CPU and memory per request: a caller may tighten them, never loosen.
    for (const limits of [{ maxDepth: 1_000_000 }, { maxAliasExpansion: 10_001 }, { maxDocuments: 501 }]) {
      const body = JSON.stringify({ files: [{ path: 'x.qyaml', content: 'a: 1' }], policy: { limits } });
      const res = await post(body, 'application/json');
      expect(res.status).toBe(400);
      const error = (await res.json()) as { error: { code: string; param: string; message: string } };
      const name = Object.keys(limits)[0];
      expect(error.error).toMatchObject({ code: 'invalid_request', param: `policy.limits.${name}` });
      expect(error.error.message).toMatch(/over the default/);
    }
    const tighter = JSON.stringify({
      files: [{ path: 'x.qyaml', content: VALID }],
      policy: { limits: { maxDepth: 3 } },
    });
    const res = await post(tighter, 'application/json');
    expect(res.status).toBe(200);
    const report = (await res.json()) as { files: { diagnostics: { rule: string }[] }[] };
    expect(new Set(report.files[0]?.diagnostics.map((d) => d.rule))).toEqual(new Set(['QY002']));
  });

  it('answers 400 for a YAML body that is not UTF-8', async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('owner: caf'), 0xe9, 0x0a]);
    const res = await post(latin1, 'application/yaml');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: 'invalid_encoding',
      type: 'invalid_request_error',
      message: 'The request body is not valid UTF-8.',
    });
  });

  it('answers 413 over the size limit', async () => {
    const res = await post('#'.repeat(GOVERNANCE_MAX_BODY_BYTES + 1), 'application/yaml');
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
  });

  it('requires the governance scope', async () => {
    const res = await post(VALID, 'application/yaml', inferenceOnly);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('insufficient_scope');
  });

  it('is described in /openapi.json', async () => {
    const doc = (await (await exports.default.fetch('http://gw/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths['/v1/governance/validate']).toHaveProperty('post');
  });
});
