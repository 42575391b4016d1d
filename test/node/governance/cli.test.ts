import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BLOCK_NAMES } from '../../../governance/index.ts';
import { ecoLintInProcess, tempDir } from './eco-lint-run.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/eco-lint.mjs');
const CORPUS = fileURLToPath(new URL('../../../../shared/fixtures/qyaml-corpus', import.meta.url));

/** The installed command, as a CI job runs it: one real process shows the bin script's exit code. */
function ecoLint(args: string[], node = process.execPath) {
  const result = spawnSync(node, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same entry point called in this process: the cases below differ only in arguments and files. */
const lint = (args: string[]) => ecoLintInProcess(args, ROOT);

const work = tempDir('cli');
const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: eco-base
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          livenessProbe:
            httpGet:
              path: /healthz
              port: 80
`;

describe('eco-lint lint', () => {
  it('reports the corpus readably and exits 1', () => {
    const { code, stdout } = ecoLint([CORPUS]);
    expect(code).toBe(1);
    expect(stdout).toContain('QY020  unique_id "eco-gw-0001-0001-000000000001" is not a UUID');
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('FAIL: 43 files checked, 36 errors, 52 warnings');
  });
  it('emits the JSON report', async () => {
    const { code, stdout } = await lint(['--format', 'json', CORPUS]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.summary).toEqual({ files: 43, errors: 36, warnings: 52 });
  });
  it('emits SARIF', async () => {
    const { code, stdout } = await lint(['--format', 'sarif', join(CORPUS, 'k8s/base')]);
    expect(code).toBe(1);
    const sarif = JSON.parse(stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results.length).toBe(18); // 9 files: a non-UUID id and lifecycle `active` each
  });
  it('expands globs', async () => {
    const { stdout } = await lint(['--format', 'json', `${CORPUS}/k8s/**/namespace.qyaml`]);
    expect(JSON.parse(stdout).summary.files).toBe(4);
  });
  it('exits 0 when only warnings remain, and honours --policy', async () => {
    const policy = join(work, 'policy.yaml');
    writeFileSync(
      policy,
      'rules:\n  unique-id: warning\n  parse-error: warning\n  service-endpoint: warning\nacceptUncheckedFiles: true\n',
    );
    const { code, stdout } = await lint(['--policy', policy, '--format', 'json', CORPUS]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).summary).toEqual({ files: 43, errors: 0, warnings: 88 });
  });
  it('lets files that do not parse pass only when the policy says so in a key of its own', async () => {
    const policy = join(work, 'policy-parse-warning.yaml');
    writeFileSync(
      policy,
      'rules:\n  unique-id: warning\n  parse-error: warning\n  service-endpoint: warning\n',
    );
    const { code, stdout, stderr } = await lint(['--policy', policy, '--format', 'json', CORPUS]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(
      `eco-lint: ${policy}: invalid policy: rules.parse-error: warning would let a file that cannot be parsed or fully checked pass; set acceptUncheckedFiles: true as well to allow it\n`,
    );
  });
  it('exits 2 on usage and I/O errors', async () => {
    expect((await lint(['--format', 'xml', CORPUS])).code).toBe(2);
    expect(await lint([join(work, 'missing.qyaml')])).toMatchObject({ code: 2 });
    expect(await lint(['--bogus'])).toMatchObject({ code: 2 });
    const badPolicy = join(work, 'bad-policy.yaml');
    writeFileSync(badPolicy, 'namespace: typo\n');
    const result = await lint(['--policy', badPolicy, CORPUS]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid policy');
  });
});

describe('eco-lint convert', () => {
  it('writes plain Kubernetes YAML without governance keys', async () => {
    const out = join(work, 'converted');
    const { code, stderr } = await lint(['convert', CORPUS, '--out', out]);
    expect(code).toBe(1); // the two files that do not parse cannot be converted
    expect(stderr).toContain('ai.qyaml:31:14: cannot convert');
    const written = readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(written).toHaveLength(41);
    for (const entry of written) {
      const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
      const docs = parseAllDocuments(text);
      if (!Array.isArray(docs)) throw new Error('no documents');
      for (const doc of docs) {
        expect(doc.errors).toEqual([]);
        expect(typeof doc.get('kind')).toBe('string');
        for (const name of BLOCK_NAMES) expect(doc.has(name)).toBe(false);
      }
    }
    const kubectl = findOnPath('kubectl');
    if (kubectl) {
      const check = spawnSync(kubectl, ['label', '--local', '-f', out, '--recursive', 'x=y', '-o', 'name'], {
        encoding: 'utf8',
      });
      expect(check.stderr).toBe('');
      expect(check.status).toBe(0);
    }
  });
});

describe('eco-lint generate', () => {
  it('appends governance blocks that lint clean', async () => {
    const manifest = join(work, 'web.yaml');
    const target = join(work, 'web.qyaml');
    writeFileSync(manifest, MANIFEST);
    expect((await lint(['generate', manifest, '--out', target])).code).toBe(0);
    const text = readFileSync(target, 'utf8');
    expect(text.startsWith(MANIFEST)).toBe(true);
    expect(text).toContain('uri: "eco-base://k8s/eco-base/deployment/web"');
    const report = await lint(['--format', 'json', target]);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout).summary).toEqual({ files: 1, errors: 0, warnings: 0 });
  });
  it('prints to stdout and takes --namespace', async () => {
    const manifest = join(work, 'web.yaml');
    writeFileSync(manifest, MANIFEST);
    const { code, stdout } = await lint(['generate', manifest, '--namespace', 'indestructibleeco']);
    expect(code).toBe(0);
    expect(stdout).toContain('urn: "urn:indestructibleeco:k8s:eco-base:deployment:web:');
  });
});

describe('bin/eco-lint.mjs on a Node without type stripping', () => {
  const oldNode = findOnPath('node', (dir) => !dir.includes('node_modules'));
  const major = oldNode
    ? Number(spawnSync(oldNode, ['-p', 'process.versions.node.split(".")[0]']).stdout.toString())
    : 0;
  it.skipIf(!oldNode || major >= 22)(
    're-executes with the project Node and passes the exit code through',
    () => {
      const { code, stdout } = ecoLint(['--format', 'json', join(CORPUS, 'k8s/base/redis.qyaml')], oldNode!);
      expect(code).toBe(1);
      expect(JSON.parse(stdout).summary).toEqual({ files: 1, errors: 1, warnings: 1 });
    },
  );
});

function findOnPath(name: string, accept: (dir: string) => boolean = () => true): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !accept(dir)) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
