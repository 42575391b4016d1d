import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../governance/index.ts';
import { diag, expectOnly, lint, locate, VALID, valueAfter, withLine } from './fixtures.ts';

describe('QY030 compliance-tags', () => {
  it('rejects an empty list', () => {
    const text = withLine('  compliance_tags: [soc2]', '  compliance_tags: []');
    expectOnly(
      text,
      diag(
        'QY030',
        'error',
        'governance_info.compliance_tags',
        'compliance_tags must not be empty',
        locate(text, '[]'),
      ),
    );
  });
  it('rejects a string', () => {
    const text = withLine('  compliance_tags: [soc2]', '  compliance_tags: soc2');
    expectOnly(
      text,
      diag(
        'QY030',
        'error',
        'governance_info.compliance_tags',
        'compliance_tags must be a list, found "soc2"',
        {
          ...locate(text, 'soc2'),
        },
      ),
    );
  });
});

describe('QY031 lifecycle-policy', () => {
  it('warns about an undocumented value', () => {
    const text = withLine('  lifecycle_policy: standard', '  lifecycle_policy: active');
    expectOnly(
      text,
      diag(
        'QY031',
        'warning',
        'governance_info.lifecycle_policy',
        'lifecycle_policy "active" is not one of standard, ephemeral, critical',
        locate(text, 'active'),
      ),
    );
  });
  it('follows the policy: severity override and extra values', () => {
    const text = withLine('  lifecycle_policy: standard', '  lifecycle_policy: active');
    expect(lint(text, { ...DEFAULT_POLICY, rules: { QY031: 'error' } })[0]?.severity).toBe('error');
    expect(lint(text, { ...DEFAULT_POLICY, rules: { 'lifecycle-policy': 'off' } })).toEqual([]);
    expect(lint(text, { ...DEFAULT_POLICY, lifecyclePolicies: ['active'] })).toEqual([]);
  });
});

describe('QY032 approval-chain', () => {
  it('requires an approval chain for critical resources', () => {
    const text = withLine(
      '  approval_chain: [platform-team]',
      '  approval_chain: []',
      withLine('  lifecycle_policy: standard', '  lifecycle_policy: critical'),
    );
    expectOnly(
      text,
      diag(
        'QY032',
        'error',
        'governance_info.approval_chain',
        'lifecycle_policy critical requires a non-empty approval_chain',
        locate(text, '[]'),
      ),
    );
  });
  it('accepts critical with approvers', () => {
    expect(lint(withLine('  lifecycle_policy: standard', '  lifecycle_policy: critical'))).toEqual([]);
  });
});

describe('QY040 service-endpoint', () => {
  const line = '  service_endpoint: "http://api-svc.eco-base.svc.cluster.local:80"';
  it('rejects a host without a scheme', () => {
    const text = withLine(line, '  service_endpoint: api-svc.eco-base.svc.cluster.local');
    expectOnly(
      text,
      diag(
        'QY040',
        'error',
        'registry_binding.service_endpoint',
        'service_endpoint "api-svc.eco-base.svc.cluster.local" has no scheme; write e.g. http://api-svc.eco-base.svc.cluster.local',
        locate(text, 'api-svc.eco-base.svc.cluster.local\n'),
      ),
    );
  });
  it('rejects a scheme outside the policy', () => {
    const [found] = lint(withLine(line, '  service_endpoint: ftp://files.example'));
    expect(found?.rule).toBe('QY040');
    expect(found?.message).toMatch(
      /^service_endpoint "ftp:\/\/files.example" uses scheme ftp, not one of http, https/,
    );
  });
  it('accepts n/a and database URLs', () => {
    expect(lint(withLine(line, '  service_endpoint: n/a'))).toEqual([]);
    expect(lint(withLine(line, '  service_endpoint: postgres://pg.eco-base.svc:5432/app'))).toEqual([]);
    expect(lint(withLine(line, '  service_endpoint: grpc://api:9000'))).toEqual([]);
  });
});

describe('QY041 health-check-path', () => {
  it('rejects a relative path', () => {
    const text = withLine('  health_check_path: /health', '  health_check_path: health');
    expectOnly(
      text,
      diag(
        'QY041',
        'error',
        'registry_binding.health_check_path',
        'health_check_path "health" must start with / (or be n/a)',
        valueAfter(text, 'health_check_path: '),
      ),
    );
  });
  it('accepts n/a', () => {
    expect(lint(withLine('  health_check_path: /health', '  health_check_path: n/a'))).toEqual([]);
  });
});

describe('QY042 registry-ttl', () => {
  it('rejects a negative ttl', () => {
    const text = withLine('  registry_ttl: 30', '  registry_ttl: -1');
    expectOnly(
      text,
      diag(
        'QY042',
        'error',
        'registry_binding.registry_ttl',
        'registry_ttl -1 must be an integer of 0 or more',
        {
          ...valueAfter(text, 'registry_ttl: '),
        },
      ),
    );
  });
  it('rejects a quoted number and accepts 0', () => {
    expect(lint(withLine('  registry_ttl: 30', '  registry_ttl: "30"'))[0]?.rule).toBe('QY042');
    expect(lint(withLine('  registry_ttl: 30', '  registry_ttl: 0'))).toEqual([]);
  });
});

describe('QY043 k8s-namespace', () => {
  it('rejects a name that is not a DNS label', () => {
    const text = withLine('  k8s_namespace: eco-base', '  k8s_namespace: Eco_Base');
    const found = lint(text);
    expect(found[0]).toEqual(
      diag(
        'QY043',
        'error',
        'registry_binding.k8s_namespace',
        'k8s_namespace "Eco_Base" is not a valid DNS label',
        locate(text, 'Eco_Base'),
      ),
    );
  });
});

describe('QY044 discovery-protocol', () => {
  it('accepts any protocol by default and enforces a configured list', () => {
    const text = withLine('  discovery_protocol: k8s-dns', '  discovery_protocol: gossip');
    expect(lint(text)).toEqual([]);
    expectOnly(
      text,
      diag(
        'QY044',
        'error',
        'registry_binding.discovery_protocol',
        'discovery_protocol "gossip" is not one of consul, k8s-dns',
        locate(text, 'gossip'),
      ),
      { ...DEFAULT_POLICY, discoveryProtocols: ['consul', 'k8s-dns'] },
    );
  });
});

describe('the valid fixture still passes', () => {
  it('has no findings', () => {
    expect(lint(VALID)).toEqual([]);
  });
});
