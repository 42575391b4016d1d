import { describe, expect, it } from 'vitest';
import {
  formatText,
  generateGovernance,
  lintText,
  parsePolicyText,
  stripGovernance,
} from '../../../governance/index.ts';
import { lint, VALID, withLine } from './fixtures.ts';

// YAML 1.2 (§5.4) counts a lone carriage return as a line break, like LF and CRLF.
const asCr = (text: string) => text.replace(/\n/g, '\r');
const BAD_TTL = withLine('  registry_ttl: 30', '  registry_ttl: -1');

describe('files with carriage-return line breaks', () => {
  it('lint clean like the same file with LF line breaks', () => {
    expect(lint(asCr(VALID))).toEqual([]);
  });

  it('report the same lines and columns as with LF line breaks', () => {
    const expected = lint(BAD_TTL);
    expect(expected).toHaveLength(1);
    expect(lint(asCr(BAD_TTL))).toEqual(expected);
  });

  it('are read correctly when CR, CRLF and LF are mixed', () => {
    const lines = BAD_TTL.split('\n');
    const mixed = lines
      .map((line, i) => line + (i === lines.length - 1 ? '' : ['\r', '\r\n', '\n'][i % 3]))
      .join('');
    expect(lint(mixed)).toEqual(lint(BAD_TTL));
  });

  it('show the offending source line in the text report', () => {
    const source = asCr(BAD_TTL);
    const report = lintText('cr.qyaml', source);
    const text = formatText(report, { sources: new Map([['cr.qyaml', source]]) });
    const line = report.files[0]!.diagnostics[0]!.line;
    expect(text).toContain(`${String(line).padStart(6)} |   registry_ttl: -1\n`);
  });

  it('convert to plain YAML with LF line breaks', () => {
    const lf = stripGovernance(VALID);
    const cr = stripGovernance(asCr(VALID));
    expect(cr).toEqual(lf);
  });

  it('generate governance for a CR manifest, and the result lints clean', () => {
    const manifest = 'apiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: c\r  namespace: eco-base\r';
    const result = generateGovernance(manifest);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.output).not.toContain('\r');
    expect(lint(result.output).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('parse in a policy file', () => {
    const result = parsePolicyText('lifecyclePolicies:\r  - standard\r  - retired\r');
    expect(result.ok && result.policy.lifecyclePolicies).toEqual(['standard', 'retired']);
  });
});
