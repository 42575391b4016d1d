import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintFiles } from '../../../governance/index.ts';
import { seedKey } from '../helpers/seed.ts';
import { VALID, withLine } from './fixtures.ts';

// CI runs the CLI, editors and bots call the route: the same text must get the same findings.
let key: string;
beforeAll(async () => {
  key = await seedKey({ id: 'key_gov_parity', tenant: 'tenant-gov', scopes: ['governance'] });
});

function post(body: BodyInit, contentType: string) {
  return exports.default.fetch('http://gw/v1/governance/validate', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': contentType },
    body,
  });
}

const INPUTS: Record<string, string> = {
  'bom and directive': `\ufeff%YAML 1.2\n---\n${VALID}`,
  crlf: withLine('  lifecycle_policy: standard', '  lifecycle_policy: active').replaceAll('\n', '\r\n'),
  'lone cr': VALID.replace('  owner: platform-team', '  owner: [a]').replaceAll('\n', '\r'),
  'control character': withLine('  owner: platform-team', '  owner: plat\u0007form'),
  'merge key': withLine('  owner: platform-team', '  <<: {owner: platform-team}'),
  'duplicate key': withLine('  owner: platform-team', '  owner: a\n  owner: b'),
};

describe('route and CLI core give the same findings', () => {
  it.each(Object.entries(INPUTS))('%s, as a raw YAML body and as JSON', async (_name, content) => {
    const expected = lintFiles([{ path: 'input.qyaml', content }]);
    const raw = await post(new TextEncoder().encode(content), 'application/yaml');
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual(expected);
    const json = await post(
      JSON.stringify({ files: [{ path: 'input.qyaml', content }] }),
      'application/json',
    );
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual(expected);
  });

  it('reports a lone surrogate sent in JSON as a parse error, not a crash', async () => {
    const content = withLine('  owner: platform-team', '  owner: "a\ud800b"');
    const res = await post(JSON.stringify({ files: [{ path: 'x.qyaml', content }] }), 'application/json');
    expect(res.status).toBe(200);
    const report = (await res.json()) as { files: { diagnostics: { rule: string; message: string }[] }[] };
    expect(report.files[0]!.diagnostics).toMatchObject([
      { rule: 'QY001', message: 'non-printable character U+D800 is not allowed in YAML' },
    ]);
  });
});
