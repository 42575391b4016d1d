import { describe, expect, it } from 'vitest';
import { generateGovernance } from '../../../governance/index.ts';
import { diag, expectOnly, lint, VALID, valueAfter } from './fixtures.ts';

// Kubernetes reads manifests as YAML 1.1, where `<<: *anchor` merges a mapping's keys into the one that
// holds it (its own keys win; of a list of merged mappings, the earlier wins). The cross-checks compare
// against what Kubernetes will see, so they read the objects the same way.
const GOVERNANCE = VALID.slice(VALID.indexOf('# Governance'));

function withObject(object: string): string {
  return `${object}---\n${GOVERNANCE}`;
}

const container = (probes: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: eco-base
spec:
  template:
    spec:
      containers:
${probes}`;

describe('QY070 sees a namespace that arrives through a merge key', () => {
  it('warns when the merged namespace disagrees', () => {
    const text = withObject(`apiVersion: v1
kind: ConfigMap
metadata:
  <<: &placement
    namespace: eco-staging
  name: settings
`);
    expectOnly(
      text,
      diag(
        'QY070',
        'warning',
        'registry_binding.k8s_namespace',
        'k8s_namespace "eco-base" disagrees with metadata.namespace "eco-staging" (merged from line 5) of ConfigMap/settings',
        valueAfter(text, '  k8s_namespace: '),
      ),
    );
  });

  it("the object's own key wins over a merged one", () => {
    const text = withObject(`apiVersion: v1
kind: ConfigMap
metadata:
  <<: {namespace: eco-staging}
  namespace: eco-base
  name: settings
`);
    expect(lint(text)).toEqual([]);
  });

  it('of a list of merged mappings, the earlier one wins', () => {
    const text = withObject(`apiVersion: v1
kind: ConfigMap
data:
  a: &first {namespace: eco-staging}
  b: &second {namespace: eco-base}
metadata:
  <<: [*first, *second]
  name: settings
`);
    expect(lint(text).map((d) => d.message)).toEqual([
      'k8s_namespace "eco-base" disagrees with metadata.namespace "eco-staging" (merged from line 4) of ConfigMap/settings',
    ]);
  });

  it('a merge nested in a merged mapping is followed too', () => {
    const text = withObject(`apiVersion: v1
kind: ConfigMap
data:
  base: &base {namespace: eco-staging}
  mid: &mid {<<: *base, team: x}
metadata:
  <<: *mid
  name: settings
`);
    expect(lint(text).map((d) => d.rule)).toEqual(['QY070']);
  });
});

describe('QY071 sees probes that arrive through merge keys', () => {
  it('a probe merged in whole counts', () => {
    const text = withObject(
      container(`        - name: api
          image: ghcr.io/indestructibleorg/api:1.0.0
          readinessProbe:
            <<: &probe
              httpGet:
                path: /health
                port: 8080
          livenessProbe:
            <<: *probe
            httpGet: {path: /live, port: 8080}
`),
    );
    expect(lint(text)).toEqual([]);
  });

  it('an httpGet whose path is merged in counts', () => {
    const text = withObject(
      container(`        - name: api
          image: ghcr.io/indestructibleorg/api:1.0.0
          livenessProbe:
            httpGet: {path: /live, port: 8080}
          readinessProbe:
            httpGet:
              <<: {path: /health}
              port: 9090
`),
    );
    expect(lint(text)).toEqual([]);
  });

  it('a merged probe overridden by the container is not the one Kubernetes runs', () => {
    const text = withObject(
      container(`        - <<:
            name: api
            image: ghcr.io/indestructibleorg/api:1.0.0
            readinessProbe: {httpGet: {path: /health, port: 8080}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
`),
    );
    expect(lint(text).map((d) => [d.rule, d.message])).toEqual([
      ['QY071', 'health_check_path "/health" is not used by any container probe (probes use /ready)'],
    ]);
  });

  it('containers merged into a pod spec are found', () => {
    const text = withObject(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: eco-base
spec:
  template:
    spec:
      <<:
        containers:
          - name: api
            image: ghcr.io/indestructibleorg/api:1.0.0
            readinessProbe: {httpGet: {path: /ready, port: 8080}}
`);
    expect(lint(text).map((d) => d.message)).toEqual([
      'health_check_path "/health" is not used by any container probe (probes use /ready)',
    ]);
  });
});

describe('generate reads merged fields as Kubernetes does', () => {
  it("takes a Service's merged namespace and port for service_endpoint", () => {
    const manifest = `apiVersion: v1
kind: Service
metadata:
  <<: {namespace: eco-staging}
  name: api-svc
spec:
  ports:
    - <<: {port: 8080}
      name: http
`;
    const result = generateGovernance(manifest, { uniqueId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' });
    expect(result.ok && result.governance).toContain(
      'service_endpoint: "http://api-svc.eco-staging.svc.cluster.local:8080"',
    );
    expect(result.ok && result.governance).toContain('k8s_namespace: eco-staging');
  });
});

describe('only a plain << merges', () => {
  it('a quoted "<<" is an ordinary key, as for Kubernetes', () => {
    const text = withObject(`apiVersion: v1
kind: ConfigMap
metadata:
  "<<": {namespace: eco-staging}
  name: settings
`);
    expect(lint(text)).toEqual([]);
  });
});
