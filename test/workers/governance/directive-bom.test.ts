import { describe, expect, it } from 'vitest';
import { generateGovernance } from '../../../governance/index.ts';
import { diag, expectOnly, VALID } from './fixtures.ts';

// A byte order mark is not part of the text: `%YAML` right after it is still the file's first line.
describe('QY003 yaml-directive after a byte order mark', () => {
  it('reports the directive at 1:1', () => {
    expectOnly(
      `\uFEFF%YAML 1.2\n---\n${VALID}`,
      diag('QY003', 'error', '', '%YAML directive is not allowed', { line: 1, column: 1 }),
    );
  });
  it('reports it with CRLF line ends too', () => {
    expectOnly(
      `\uFEFF%YAML 1.2\r\n---\r\n${VALID.replace(/\n/g, '\r\n')}`,
      diag('QY003', 'error', '', '%YAML directive is not allowed', { line: 1, column: 1 }),
    );
  });
  it('makes generate refuse the manifest', () => {
    const directive = '\uFEFF%YAML 1.2\n---\nkind: ConfigMap\nmetadata:\n  name: c\n';
    expect(generateGovernance(directive)).toEqual({
      ok: false,
      error: 'manifest has a %YAML directive, which .qyaml files must not carry',
    });
  });
});
