import { describe, expect, it } from 'vitest';
import { diag, expectOnly, lint, locate, valueAfter, withLine } from './fixtures.ts';

const ID = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URN = `  urn: "urn:eco-base:k8s:eco-base:deployment:api:${ID}"`;

describe('QY072 urn-identity compares UUIDs as UUIDs', () => {
  it('accepts a urn that ends with the unique_id in another letter case', () => {
    // RFC 4122: UUIDs are case-insensitive on input; QY060 already compares them so.
    const upper = withLine(`  unique_id: "${ID}"`, `  unique_id: "${ID.toUpperCase()}"`);
    expect(lint(upper)).toEqual([]);
    const upperUrn = withLine(URN, `  urn: "urn:eco-base:k8s:eco-base:deployment:api:${ID.toUpperCase()}"`);
    expect(lint(upperUrn)).toEqual([]);
  });

  it('still compares ids that are not UUIDs exactly', () => {
    const text = withLine(
      URN,
      '  urn: "urn:eco-base:k8s:eco-base:deployment:api:ECO-1"',
      withLine(`  unique_id: "${ID}"`, '  unique_id: "eco-1"'),
    );
    expect(lint(text).map((d) => d.rule)).toEqual(['QY020', 'QY072']);
  });
});

describe('QY032 approval-chain needs an approver named', () => {
  const critical = (chain: string) =>
    withLine(
      '  approval_chain: [platform-team]',
      `  approval_chain: ${chain}`,
      withLine('  lifecycle_policy: standard', '  lifecycle_policy: critical'),
    );

  it.each([['[""]'], ['["  "]'], ['["", " "]']])('refuses a chain of blank names %s', (chain) => {
    const text = critical(chain);
    expectOnly(
      text,
      diag(
        'QY032',
        'error',
        'governance_info.approval_chain',
        'lifecycle_policy critical requires a non-empty approval_chain',
        locate(text, chain),
      ),
    );
  });

  it('refuses a chain whose only item is null (QY015 names the item)', () => {
    expect(lint(critical('[~]')).map((d) => d.rule)).toEqual(['QY015', 'QY032']);
  });

  it('accepts a chain that names one approver among blanks', () => {
    expect(lint(critical('["", platform-team]'))).toEqual([]);
  });
});

describe('QY041 health-check-path says what is wrong', () => {
  const path = (value: string) => withLine('  health_check_path: /health', `  health_check_path: ${value}`);

  it.each([
    ['"/he alth"', 'health_check_path "/he alth" must not contain whitespace'],
    ['"/health\\n"', 'health_check_path "/health\\n" must not contain whitespace'],
    [
      '"//probe.example/health"',
      'health_check_path "//probe.example/health" starts with //, which names a host, not a path',
    ],
  ])('refuses %s', (value, message) => {
    const text = path(value);
    const found = lint(text).filter((d) => d.rule === 'QY041');
    expect(found).toEqual([
      diag(
        'QY041',
        'error',
        'registry_binding.health_check_path',
        message,
        valueAfter(text, 'health_check_path: '),
      ),
    ]);
  });
});

describe('QY040 and QY041 messages fit the value written', () => {
  const endpoint = (value: string) =>
    withLine(
      '  service_endpoint: "http://api-svc.eco-base.svc.cluster.local:80"',
      `  service_endpoint: ${value}`,
    );
  const path = (value: string) => withLine('  health_check_path: /health', `  health_check_path: ${value}`);

  it.each([
    ['N/A', 'service_endpoint "N/A" must be written n/a, in lower case, when there is no endpoint'],
    [
      '"http:api-svc:80"',
      'service_endpoint "http:api-svc:80" has no // after its scheme; write e.g. http://api-svc:80',
    ],
    ['redis:6379', 'service_endpoint "redis:6379" has no scheme; write e.g. http://redis:6379'],
  ])('QY040 for %s', (value, message) => {
    const text = endpoint(value);
    expect(lint(text).filter((d) => d.rule === 'QY040')).toEqual([
      diag(
        'QY040',
        'error',
        'registry_binding.service_endpoint',
        message,
        valueAfter(text, 'service_endpoint: '),
      ),
    ]);
  });

  it('QY041 for N/A', () => {
    const text = path('N/A');
    expect(lint(text).filter((d) => d.rule === 'QY041')).toEqual([
      diag(
        'QY041',
        'error',
        'registry_binding.health_check_path',
        'health_check_path "N/A" must be written n/a, in lower case, when there is no path to probe',
        valueAfter(text, 'health_check_path: '),
      ),
    ]);
  });
});
