import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintFiles } from '../../../governance/index.ts';

// shared/ sits beside the repository checkout (../shared), locally and in CI.
const CORPUS = fileURLToPath(new URL('../../../../shared/fixtures/qyaml-corpus', import.meta.url));

function corpusFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return corpusFiles(path);
    return entry.name.endsWith('.qyaml') ? [path] : [];
  });
}

/**
 * Expected findings per file as `rule@line`, checked by hand against the files and against
 * original-contract.md §9: two files do not parse (their governance document is still checked), one
 * unique_id is a v4 UUID and 32 are not UUIDs, every file uses the undocumented lifecycle `active`,
 * sealed-secrets has an endpoint without a scheme, test-service carries four foreign keys in
 * document_metadata, two uris are reused, and grafana/prometheus declare no container probes.
 */
const EXPECTED: Record<string, string[]> = {
  'backend/k8s/configmaps/api-config.qyaml': ['QY031@65'],
  'backend/k8s/deployments/ai.qyaml': ['QY001@31', 'QY031@70'],
  'backend/k8s/deployments/api.qyaml': ['QY001@32', 'QY031@103'],
  'backend/k8s/ingress/main-ingress.qyaml': ['QY031@54'],
  'backend/k8s/namespaces/platform.qyaml': ['QY020@34', 'QY031@46'],
  'backend/k8s/secrets/sealed-secrets.qyaml': ['QY031@69', 'QY040@71'],
  'backend/k8s/security/mtls.qyaml': ['QY031@106'],
  'backend/k8s/security/network-policies.qyaml': ['QY031@105'],
  'backend/k8s/security/rbac.qyaml': ['QY031@107'],
  'backend/k8s/services/ai-svc.qyaml': ['QY031@42'],
  'backend/k8s/services/api-svc.qyaml': ['QY031@38'],
  'backend/k8s/test/test-service.qyaml': ['QY020@4', 'QY014@6', 'QY014@7', 'QY014@8', 'QY014@9', 'QY031@20'],
  'k8s/argocd/namespace.qyaml': ['QY020@64', 'QY031@76'],
  'k8s/base/api-gateway.qyaml': ['QY020@157', 'QY031@169'],
  'k8s/base/configmap.qyaml': ['QY020@65', 'QY031@77'],
  'k8s/base/namespace.qyaml': ['QY020@47', 'QY061@48', 'QY031@59'],
  'k8s/base/ollama-engine.qyaml': ['QY020@89', 'QY031@101'],
  'k8s/base/postgres.qyaml': ['QY020@92', 'QY031@104'],
  'k8s/base/redis.qyaml': ['QY020@87', 'QY031@99'],
  'k8s/base/sglang-engine.qyaml': ['QY020@117', 'QY031@129'],
  'k8s/base/tgi-engine.qyaml': ['QY020@116', 'QY031@128'],
  'k8s/base/vllm-engine.qyaml': ['QY020@122', 'QY031@134'],
  'k8s/ingress/ingress.qyaml': ['QY020@104', 'QY061@105', 'QY031@116'],
  'k8s/monitoring/grafana.qyaml': ['QY020@123', 'QY031@135', 'QY071@139'],
  'k8s/monitoring/prometheus.qyaml': ['QY020@164', 'QY031@176', 'QY071@180'],
  'k8s/production/ai-service.qyaml': ['QY020@86', 'QY031@98'],
  'k8s/production/api-gateway.qyaml': ['QY020@86', 'QY031@98'],
  'k8s/production/api-service.qyaml': ['QY020@86', 'QY031@98'],
  'k8s/production/configmap.qyaml': ['QY020@75', 'QY031@96'],
  'k8s/production/ingress.qyaml': ['QY020@97', 'QY072@99', 'QY031@109'],
  'k8s/production/namespace.qyaml': ['QY020@56', 'QY031@68'],
  'k8s/production/postgres.qyaml': ['QY020@99', 'QY031@111'],
  'k8s/production/redis.qyaml': ['QY020@86', 'QY031@98'],
  'k8s/production/web-frontend.qyaml': ['QY020@91', 'QY031@103'],
  'k8s/staging/ai-service.qyaml': ['QY020@112', 'QY031@124'],
  'k8s/staging/api-gateway.qyaml': ['QY020@111', 'QY031@123'],
  'k8s/staging/api-service.qyaml': ['QY020@105', 'QY031@117'],
  'k8s/staging/configmap.qyaml': ['QY020@75', 'QY031@95'],
  'k8s/staging/ingress.qyaml': ['QY020@106', 'QY031@118'],
  'k8s/staging/namespace.qyaml': ['QY020@56', 'QY031@68'],
  'k8s/staging/postgres.qyaml': ['QY020@97', 'QY031@109'],
  'k8s/staging/redis.qyaml': ['QY020@90', 'QY031@102'],
  'k8s/staging/web-frontend.qyaml': ['QY020@98', 'QY031@110'],
};

describe('the 43-manifest corpus', () => {
  const sources = corpusFiles(CORPUS)
    .map((path) => ({
      path: relative(CORPUS, path).split('\\').join('/'),
      content: readFileSync(path, 'utf8'),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const report = lintFiles(sources);

  it('holds 43 files', () => {
    expect(sources.map((s) => s.path)).toEqual(Object.keys(EXPECTED).sort());
  });

  it('yields the pinned findings per file', () => {
    const actual = Object.fromEntries(
      report.files.map((file) => [file.path, file.diagnostics.map((d) => `${d.rule}@${d.line}`)]),
    );
    expect(actual).toEqual(EXPECTED);
  });

  it('summarises to 36 errors and 52 warnings', () => {
    expect(report.summary).toEqual({ files: 43, errors: 36, warnings: 52 });
  });

  it('explains the findings in words', () => {
    const byPath = new Map(report.files.map((f) => [f.path, f.diagnostics]));
    expect(byPath.get('backend/k8s/namespaces/platform.qyaml')?.[0]?.message).toBe(
      'unique_id "550e8400-e29b-41d4-a716-446655440000" is a version 4 UUID; expected version 1',
    );
    expect(byPath.get('backend/k8s/deployments/ai.qyaml')?.[0]).toMatchObject({
      rule: 'QY001',
      line: 31,
      column: 14,
    });
    expect(byPath.get('k8s/base/namespace.qyaml')?.[1]?.message).toBe(
      'uri "eco-base://k8s/cluster/namespace/eco-base" is already used by backend/k8s/namespaces/platform.qyaml:35',
    );
    expect(byPath.get('backend/k8s/secrets/sealed-secrets.qyaml')?.[1]?.message).toMatch(/has no scheme/);
  });
});
