import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  BLOCK_NAMES,
  DEFAULT_POLICY,
  generateGovernance,
  lintText,
  stripGovernance,
} from '../../../governance/index.ts';
import { VALID } from './fixtures.ts';

describe('stripGovernance', () => {
  it('drops the governance document and keeps comments and order', () => {
    const source = `# leading comment\n${VALID.replace('kind: Service', 'kind: Service # the service')}`;
    const result = stripGovernance(source);
    if (!result.ok) throw new Error(result.error);
    expect(result.documents).toBe(2);
    expect(result.output).toContain('# leading comment');
    expect(result.output).toContain('kind: Service # the service');
    expect(result.output).not.toContain('# Governance');
    const docs = parseAllDocuments(result.output);
    expect(Array.isArray(docs) && docs.map((d) => d.get('kind'))).toEqual(['Deployment', 'Service']);
    for (const name of BLOCK_NAMES) expect(result.output).not.toContain(name);
  });
  it('removes inline blocks and governance_companion wrappers', () => {
    const inline = 'apiVersion: v1\nkind: ConfigMap\ndocument_metadata:\n  uri: x\nmetadata:\n  name: c\n';
    const wrapped = 'apiVersion: v1\nkind: Secret\ngovernance_companion:\n  governance_info: {}\n';
    expect(stripGovernance(inline)).toMatchObject({
      ok: true,
      output: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
    });
    expect(stripGovernance(wrapped)).toMatchObject({ ok: true, output: 'apiVersion: v1\nkind: Secret\n' });
  });
  it('refuses hostile input within the lint limits instead of exhausting the stack', () => {
    // Run twice: a stack overflow inside the parser can abort the whole process on a later parse.
    for (const source of [`${'- '.repeat(1000)}x\n`, `${'- '.repeat(5000)}x\n`]) {
      expect(stripGovernance(source)).toMatchObject({
        ok: false,
        error: 'lines indent deeper than 512 columns',
      });
    }
    const bomb = 'a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n';
    const tight = { ...DEFAULT_POLICY.limits, maxAliasExpansion: 3 };
    expect(stripGovernance(bomb, tight)).toMatchObject({
      ok: false,
      error: 'aliases expand to more than 3 nodes (alias bomb)',
      line: 2,
      column: 12,
    });
  });
  it('reports positions after a byte order mark and CRLF line ends', () => {
    expect(stripGovernance('\uFEFFkind: x\r\nspec:\r\n  a: 1\r\n b: 2\r\n')).toMatchObject({
      ok: false,
      line: 4,
      column: 1,
    });
  });
  it('refuses a file that does not parse, with a position', () => {
    expect(stripGovernance('kind: x\nspec:\n  a: 1\n b: 2\n')).toMatchObject({
      ok: false,
      line: 4,
      column: 1,
    });
  });
});

describe('generateGovernance', () => {
  const manifest = VALID.slice(0, VALID.indexOf('---\n# Governance'));
  const now = new Date('2025-03-01T12:00:00.000Z');

  it('derives uri and urn from kind, namespace and name, with a v1 UUID', () => {
    const result = generateGovernance(manifest, { now });
    if (!result.ok) throw new Error(result.error);
    expect(result.uniqueId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.governance).toContain('uri: "eco-base://k8s/eco-base/deployment/api"');
    expect(result.governance).toContain(`urn: "urn:eco-base:k8s:eco-base:deployment:api:${result.uniqueId}"`);
    expect(result.governance).toContain('created_at: "2025-03-01T12:00:00.000Z"');
    expect(result.governance).toContain('service_endpoint: "http://api-svc.eco-base.svc.cluster.local:80"');
    expect(result.governance).toContain('health_check_path: "/health"');
  });
  it('produces a file that lints clean', () => {
    const result = generateGovernance(manifest, { now });
    if (!result.ok) throw new Error(result.error);
    expect(lintText('generated.qyaml', result.output).summary).toEqual({ files: 1, errors: 0, warnings: 0 });
  });
  it('uses a configured namespace and cluster scope', () => {
    const result = generateGovernance('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: eco-base\n', {
      namespace: 'indestructibleeco',
      uniqueId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    });
    if (!result.ok) throw new Error(result.error);
    expect(result.governance).toContain('uri: "indestructibleeco://k8s/cluster/namespace/eco-base"');
    expect(result.governance).not.toContain('k8s_namespace');
    expect(result.governance).toContain('service_endpoint: "n/a"');
    expect(lintText('ns.qyaml', result.output).summary.errors).toBe(0);
  });
  it('refuses manifests that already carry blocks or have no object', () => {
    expect(generateGovernance(VALID)).toEqual({
      ok: false,
      error: 'manifest already carries governance blocks',
    });
    expect(generateGovernance('a: 1\n')).toMatchObject({ ok: false });
  });
  it('refuses a namespace the policy does not accept, since the result would not lint', () => {
    const configMap = 'kind: ConfigMap\nmetadata:\n  name: c\n';
    expect(generateGovernance(configMap, { namespace: 'acme' })).toEqual({
      ok: false,
      error: 'namespace acme is not one of the policy namespaces eco-base, indestructibleeco',
    });
  });
  it('refuses a manifest with a %YAML directive, which the linter forbids', () => {
    const directive = '%YAML 1.2\n---\nkind: ConfigMap\nmetadata:\n  name: c\n';
    expect(generateGovernance(directive)).toEqual({
      ok: false,
      error: 'manifest has a %YAML directive, which .qyaml files must not carry',
    });
  });
  it('refuses a manifest or an owner that would make the output fail linting', () => {
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: eco-base\n';
    expect(generateGovernance(`${configMap}data:\n  <<: 1\n`)).toEqual({
      ok: false,
      error:
        'output would not lint clean: 7:7 QY004 merge key << merges a number, not a mapping or a list of mappings; kubectl refuses ConfigMap/c',
    });
    expect(generateGovernance(`${configMap}data:\n  a: !Ref x\n`)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^output would not lint clean: 7:6 QY005 tag !Ref /),
    });
    expect(generateGovernance(configMap, { owner: ' ' })).toEqual({
      ok: false,
      error: 'output would not lint clean: 18:3 QY013 governance_info.owner is empty',
    });
  });
  it('quotes text that YAML 1.1 readers would read as a boolean', () => {
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "on"\n  namespace: eco-base\n';
    const result = generateGovernance(configMap, { owner: 'no' });
    if (!result.ok) throw new Error(result.error);
    expect(result.governance).toContain('  owner: "no"\n  approval_chain: ["no"]\n');
    expect(result.governance).toContain('function_keyword: ["on", configmap]');
    expect(lintText('on.qyaml', result.output).summary.errors).toBe(0);
  });
  it('takes the first probe path the linter accepts', () => {
    const pod = (paths: string[]) =>
      `kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n${paths
        .map(
          (path, i) =>
            `    - name: c${i}\n      livenessProbe:\n        httpGet:\n          path: "${path}"\n`,
        )
        .join('')}`;
    for (const [paths, expected] of [
      [['', '/ready'], '/ready'],
      [['healthz'], 'n/a'],
    ] as const) {
      const result = generateGovernance(pod([...paths]));
      if (!result.ok) throw new Error(result.error);
      expect(result.governance).toContain(`health_check_path: "${expected}"`);
      expect(lintText('pod.qyaml', result.output).summary.errors).toBe(0);
    }
  });
});
