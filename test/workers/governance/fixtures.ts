import { expect } from 'vitest';
import { DEFAULT_POLICY, type Diagnostic, lintText, type Policy } from '../../../governance/index.ts';

/** A manifest that satisfies every rule: a Deployment and a Service, then the governance document. */
export const VALID = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: eco-base
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/indestructibleorg/api:1.0.0
          readinessProbe:
            httpGet:
              path: /health
              port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: api-svc
  namespace: eco-base
spec:
  ports:
    - port: 80
---
# Governance
document_metadata:
  unique_id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
  uri: "eco-base://k8s/eco-base/deployment/api"
  urn: "urn:eco-base:k8s:eco-base:deployment:api:6ba7b810-9dad-11d1-80b4-00c04fd430c8"
  target_system: k8s
  cross_layer_binding: [redis]
  schema_version: v8
  generated_by: eco-lint
  created_at: "2025-02-18T00:00:00.000Z"
governance_info:
  owner: platform-team
  approval_chain: [platform-team]
  compliance_tags: [soc2]
  lifecycle_policy: standard
registry_binding:
  service_endpoint: "http://api-svc.eco-base.svc.cluster.local:80"
  discovery_protocol: k8s-dns
  health_check_path: /health
  registry_ttl: 30
  k8s_namespace: eco-base
vector_alignment_map:
  alignment_model: BAAI/bge-large-en-v1.5
  coherence_vector_dim: 4
  coherence_vector: [0.1, 0.2, 0.3, 0.4]
  function_keyword: [api]
  contextual_binding: "api -> [redis]"
`;

/** VALID with one exact line replaced (fails loudly if the line is not there). */
export function withLine(original: string, replacement: string, source = VALID): string {
  const lines = source.split('\n');
  const index = lines.indexOf(original);
  if (index === -1) throw new Error(`fixture line not found: ${original}`);
  lines.splice(index, 1, ...(replacement === '' ? [] : [replacement]));
  return lines.join('\n');
}

/**
 * `source` with another unique_id, written as the YAML scalar `value`, and the urn ending with it too
 * (so only the id is different, not its agreement with the urn).
 */
export function withUniqueId(value: string, source = VALID): string {
  const id = value.replace(/^"(.*)"$/, '$1');
  return withLine(
    '  urn: "urn:eco-base:k8s:eco-base:deployment:api:6ba7b810-9dad-11d1-80b4-00c04fd430c8"',
    `  urn: "urn:eco-base:k8s:eco-base:deployment:api:${id}"`,
    withLine('  unique_id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"', `  unique_id: ${value}`, source),
  );
}

/** 1-based position of the first occurrence of `needle` in `text`. */
export function locate(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  if (offset === -1) throw new Error(`needle not found: ${needle}`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/**
 * The file's diagnostics without their end positions: most tests pin where a finding starts; the
 * span tests check the ends.
 */
export function lint(content: string, policy: Policy = DEFAULT_POLICY): Diagnostic[] {
  return lintText('test.qyaml', content, policy).files[0]!.diagnostics.map(withoutEnd);
}

export function withoutEnd({ endLine: _line, endColumn: _column, ...start }: Diagnostic): Diagnostic {
  return start;
}

/** Asserts the file yields exactly one diagnostic, equal to `expected`. */
export function expectOnly(content: string, expected: Diagnostic, policy?: Policy): void {
  expect(lint(content, policy)).toEqual([expected]);
}

export function diag(
  rule: string,
  severity: Diagnostic['severity'],
  path: string,
  message: string,
  at: { line: number; column: number },
): Diagnostic {
  return { rule, severity, message, path, line: at.line, column: at.column };
}

/** Position of the value written right after `prefix` (e.g. `registry_ttl: `). */
export function valueAfter(text: string, prefix: string): { line: number; column: number } {
  const at = locate(text, prefix);
  return { line: at.line, column: at.column + prefix.length };
}
