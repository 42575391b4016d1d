import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { lintFiles, lintText, resolvePolicy } from '../../../governance/index.ts';
import { seedKey } from '../helpers/seed.ts';
import { withLine, withUniqueId } from './fixtures.ts';

/**
 * A report grows with its findings, never with the size of the values they quote: otherwise a file of
 * a few hundred kilobytes (or a policy) could make a report of hundreds of megabytes, and the isolate
 * would run out of memory instead of answering.
 */

const longest = (report: ReturnType<typeof lintText>) =>
  Math.max(...report.files.flatMap((f) => f.diagnostics.map((d) => d.message.length + d.path.length)));

describe('report size', () => {
  it('QY070 quotes a long k8s_namespace shortened, once per namespace', () => {
    const namespace = 'n'.repeat(10_000);
    const configMaps = Array.from(
      { length: 50 },
      (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n  namespace: ns-${i}\n---\n`,
    ).join('');
    const content = configMaps + withLine('  k8s_namespace: eco-base', `  k8s_namespace: ${namespace}`);
    const report = lintText('big.qyaml', content);
    const mismatches = report.files[0]!.diagnostics.filter((d) => d.rule === 'QY070');
    expect(mismatches.length).toBeGreaterThanOrEqual(50);
    expect(longest(report)).toBeLessThanOrEqual(600 + 240);
    expect(JSON.stringify(report).length).toBeLessThan(2 * content.length);
  });

  it('an unknown key of any length is named shortened, in the message and the path', () => {
    const name = `k${'x'.repeat(50_000)}`;
    const report = lintText(
      'key.qyaml',
      withLine('  owner: platform-team', `  owner: platform-team\n  ? ${name}\n  : 1`),
    );
    const unknown = report.files[0]!.diagnostics.find((d) => d.rule === 'QY014');
    expect(unknown).toBeDefined();
    expect(unknown!.message.length).toBeLessThan(200);
    expect(unknown!.path.length).toBeLessThan(200);
  });

  it("findings that name a policy's lists name a few of them, then how many more", () => {
    const namespaces = Array.from({ length: 100 }, (_, i) => `ns${i}-${'p'.repeat(190)}`);
    const policy = resolvePolicy({ namespaces });
    if (!policy.ok) throw new Error(policy.error);
    const files = Array.from({ length: 20 }, (_, i) => ({
      path: `f${i}.qyaml`,
      content: withLine('  uri: "eco-base://k8s/eco-base/deployment/api"', '  uri: "elsewhere://x"'),
    }));
    const report = lintFiles(files, policy.policy);
    const uri = report.files[0]!.diagnostics.find((d) => d.message.startsWith('uri '));
    expect(uri?.message).toContain('(and 95 more)');
    expect(longest(report)).toBeLessThanOrEqual(600 + 240);
  });

  it('a policy list or name over its bound is refused by name', () => {
    const many = resolvePolicy({ namespaces: Array.from({ length: 101 }, (_, i) => `ns${i}`) });
    expect(many).toMatchObject({ ok: false });
    expect(!many.ok && many.error).toMatch(/namespaces/);
    const long = resolvePolicy({ lifecyclePolicies: ['x'.repeat(201)] });
    expect(!long.ok && long.error).toMatch(/lifecyclePolicies\.0/);
  });
});

describe('the audit row of a validation', () => {
  let key: string;
  beforeAll(async () => {
    key = await seedKey({ id: 'key_gov_ids', tenant: 'tenant-gov-ids', scopes: ['governance'] });
  });

  it('keeps each unique_id cut at 128 characters', async () => {
    const id = `"${'i'.repeat(100_000)}"`;
    const files = Array.from({ length: 3 }, (_, n) => ({ path: `id${n}.qyaml`, content: withUniqueId(id) }));
    const res = await exports.default.fetch('http://gw/v1/governance/validate', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ files }),
    });
    expect(res.status).toBe(200);
    const row = await env.DB.prepare('SELECT document_ids FROM governance_audit WHERE id = ?')
      .bind(res.headers.get('x-eco-audit-id'))
      .first<{ document_ids: string }>();
    const ids = JSON.parse(row!.document_ids) as string[];
    expect(ids).toHaveLength(3);
    for (const kept of ids) expect(kept.length).toBeLessThanOrEqual(128);
    expect(ids[0]!.startsWith('iii')).toBe(true);
  });
});
