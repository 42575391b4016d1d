import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJson, formatSarif, formatText, lintText } from '../../../governance/index.ts';
import { VALID } from './fixtures.ts';

function checkNeverThrows(content: string): void {
  const report = lintText('p.qyaml', content);
  expect(report.summary.files).toBe(1);
  for (const d of report.files[0]!.diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.rule).not.toBe('QY000');
  }
  formatText(report, { sources: new Map([['p.qyaml', content]]) });
  JSON.parse(formatJson(report));
  JSON.parse(formatSarif(report));
}

describe('the linter never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), checkNeverThrows), { numRuns: 300 });
  });
  it('on YAML-ish token soup', () => {
    const token = fc.constantFrom(
      'document_metadata:',
      'governance_info:',
      'registry_binding:',
      'vector_alignment_map:',
      'governance_companion:',
      '  unique_id: ',
      '  coherence_vector: ',
      '  coherence_vector_dim: ',
      '&a ',
      '*a',
      '[',
      ']',
      '{',
      '}',
      ',',
      '- ',
      ': ',
      '\n',
      '  ',
      '---\n',
      '"',
      "'",
      '#',
      'x',
      '1',
      '-1',
      'null',
      '~',
      '%YAML 1.2\n',
      '? ',
      '!!str ',
      '|\n',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }), (tokens) => checkNeverThrows(tokens.join(''))),
      { numRuns: 300 },
    );
  });
  it('on mutations of a valid file', () => {
    fc.assert(
      fc.property(fc.nat(VALID.length), fc.string({ maxLength: 8 }), (at, insert) =>
        checkNeverThrows(VALID.slice(0, at) + insert + VALID.slice(at)),
      ),
      { numRuns: 300 },
    );
  });
});
