import { describe, expect, it } from 'vitest';
import { lintFiles } from '../../../governance/index.ts';
import { diag, expectOnly, lint, locate, VALID, valueAfter, withLine, withoutEnd } from './fixtures.ts';

describe('QY050 vector-dim', () => {
  it('rejects zero', () => {
    const text = withLine('  coherence_vector_dim: 4', '  coherence_vector_dim: 0').replace(
      '  coherence_vector: [0.1, 0.2, 0.3, 0.4]\n',
      '',
    );
    expectOnly(
      text,
      diag(
        'QY050',
        'error',
        'vector_alignment_map.coherence_vector_dim',
        'coherence_vector_dim 0 must be a positive integer',
        valueAfter(text, 'coherence_vector_dim: '),
      ),
    );
  });
});

describe('QY051 coherence-vector', () => {
  const line = '  coherence_vector: [0.1, 0.2, 0.3, 0.4]';
  it('rejects a length that disagrees with the dimension', () => {
    const text = withLine(line, '  coherence_vector: [0.1, 0.2]');
    expectOnly(
      text,
      diag(
        'QY051',
        'error',
        'vector_alignment_map.coherence_vector',
        'coherence_vector has 2 values but coherence_vector_dim is 4',
        locate(text, '[0.1, 0.2]'),
      ),
    );
  });
  it('rejects a non-number', () => {
    const text = withLine(line, '  coherence_vector: [0.1, x, 0.3, 0.4]');
    expectOnly(
      text,
      diag(
        'QY051',
        'error',
        'vector_alignment_map.coherence_vector',
        'coherence_vector item "x" is not a number',
        locate(text, 'x, 0.3'),
      ),
    );
  });
  it('accepts an empty vector', () => {
    expect(lint(withLine(line, '  coherence_vector: []'))).toEqual([]);
  });
});

describe('QY060 duplicate-unique-id and QY061 duplicate-uri', () => {
  it('reports the later file, pointing at the first', () => {
    const report = lintFiles([
      { path: 'a.qyaml', content: VALID },
      { path: 'b.qyaml', content: VALID },
    ]);
    expect(report.files[0]!.diagnostics).toEqual([]);
    expect(report.files[1]!.diagnostics.map(withoutEnd)).toEqual([
      diag(
        'QY060',
        'error',
        'document_metadata.unique_id',
        'unique_id "6ba7b810-9dad-11d1-80b4-00c04fd430c8" is already used by a.qyaml:28',
        { line: 28, column: 14 },
      ),
      diag(
        'QY061',
        'warning',
        'document_metadata.uri',
        'uri "eco-base://k8s/eco-base/deployment/api" is already used by a.qyaml:29',
        { line: 29, column: 8 },
      ),
    ]);
    expect(report.summary).toEqual({ files: 2, errors: 1, warnings: 1 });
  });
});

describe('QY070 namespace-mismatch', () => {
  it('warns when k8s_namespace is not where the objects live', () => {
    const text = withLine('  k8s_namespace: eco-base', '  k8s_namespace: eco-staging');
    expectOnly(
      text,
      diag(
        'QY070',
        'warning',
        'registry_binding.k8s_namespace',
        'k8s_namespace "eco-staging" disagrees with metadata.namespace "eco-base" of Deployment/api',
        locate(text, 'eco-staging'),
      ),
    );
  });
});

describe('QY071 health-check-probe', () => {
  it('warns when no container probe uses the path', () => {
    const text = withLine('  health_check_path: /health', '  health_check_path: /healthz');
    expectOnly(
      text,
      diag(
        'QY071',
        'warning',
        'registry_binding.health_check_path',
        'health_check_path "/healthz" is not used by any container probe (probes use /health)',
        locate(text, '/healthz'),
      ),
    );
  });
  it('stays silent for files without containers', () => {
    const text = VALID.replace(/^apiVersion: apps\/v1[\s\S]*?---\n/, '');
    expect(lint(text)).toEqual([]);
  });
});

describe('QY003 yaml-directive', () => {
  it('rejects a %YAML directive but not the word in a comment', () => {
    const text = `%YAML 1.2\n---\n${VALID}`;
    expectOnly(text, diag('QY003', 'error', '', '%YAML directive is not allowed', { line: 1, column: 1 }));
    expect(lint(`# no %YAML directive here\n${VALID}`)).toEqual([]);
  });
});
