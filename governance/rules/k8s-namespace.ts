import { at, field, type Rule } from '../lint/context.ts';
import { describe, stringValue } from '../parse/nodes.ts';
import { yaml11BooleanProblem } from '../parse/yaml11.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const k8sNamespace: Rule = {
  code: 'QY043',
  name: 'k8s-namespace',
  severity: 'error',
  rationale: 'k8s_namespace is a Kubernetes namespace name: a DNS label (RFC 1123), at most 63 characters.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'registry_binding', 'k8s_namespace');
    if (!ref) return;
    const value = stringValue(ref.entry.value);
    // `no` is a valid label, but not the value YAML 1.1 readers see.
    const boolean = yaml11BooleanProblem(ref.entry.value);
    if (boolean) {
      report(at(ref.entry.value, ref.path, `k8s_namespace ${boolean}`));
      return;
    }
    if (value !== undefined && DNS_LABEL.test(value)) return;
    report(
      at(ref.entry.value, ref.path, `k8s_namespace ${describe(ref.entry.value)} is not a valid DNS label`),
    );
  },
};
