import { describe, expect, it } from 'vitest';
import { diag, expectOnly, lint, locate, VALID, valueAfter, withLine } from './fixtures.ts';

const VECTOR = '  coherence_vector: [0.1, 0.2, 0.3, 0.4]';
const CREATED = '  created_at: "2025-02-18T00:00:00.000Z"';
const DIM = '  coherence_vector_dim: 4';
const TTL = '  registry_ttl: 30';

describe('QY051 coherence-vector refuses values that are not finite numbers', () => {
  for (const written of ['.nan', '.NaN', '.inf', '-.inf', '+.Inf', '1e999']) {
    it(`rejects ${written}`, () => {
      const text = withLine(VECTOR, `  coherence_vector: [0.1, ${written}, 0.3, 0.4]`);
      expectOnly(
        text,
        diag(
          'QY051',
          'error',
          'vector_alignment_map.coherence_vector',
          `coherence_vector item ${written} is not a finite number`,
          locate(text, `${written}, 0.3`),
        ),
      );
    });
  }
  it('still accepts ordinary numbers, integers and exponents', () => {
    expect(lint(withLine(VECTOR, '  coherence_vector: [0.1, -2, 3e-2, 0]'))).toEqual([]);
  });
});

describe('QY024 created-at refuses impossible offsets and dates', () => {
  const refused = [
    '"2025-02-18T00:00:00+25:99"',
    '"2025-02-18T00:00:00+24:00"',
    '"2025-02-18T00:00:00-05:60"',
    '"2025-02-18T00:00:00+2599"',
    '"2025-02-18T00:00:00+25"',
    '"2025-02-30"',
    '"2025-02-30T10:00:00Z"',
    '"2025-02-29T10:00:00Z"',
    '!!timestamp 2025-02-18T00:00:00+25:99',
    '!!timestamp 2025-02-30',
  ];
  for (const written of refused) {
    it(`rejects ${written}`, () => {
      const text = withLine(CREATED, `  created_at: ${written}`);
      const shown = written.startsWith('!!') ? written.replace('!!timestamp ', '') : written.slice(1, -1);
      expectOnly(
        text,
        diag(
          'QY024',
          'error',
          'document_metadata.created_at',
          `created_at "${shown}" is not an ISO 8601 timestamp`,
          // A tagged value starts after its tag.
          valueAfter(text, written.startsWith('!!') ? '!!timestamp ' : 'created_at: '),
        ),
      );
    });
  }
  const accepted = [
    '"2025-02-18T00:00:00+23:59"',
    '"2025-02-18T00:00:00-12:00"',
    '"2025-02-18T00:00:00+0530"',
    '"2025-02-18T00:00:00+05"',
    '"2024-02-29T10:00:00Z"',
    '!!timestamp 2025-02-18T00:00:00Z',
  ];
  for (const written of accepted) {
    it(`accepts ${written}`, () => {
      expect(lint(withLine(CREATED, `  created_at: ${written}`))).toEqual([]);
    });
  }
});

describe('QY050 vector-dim and QY042 registry-ttl refuse floats with a whole value', () => {
  const noVector = VALID.replace(`${VECTOR}\n`, '');
  for (const written of ['4.0', '4.', '4e0']) {
    it(`rejects coherence_vector_dim: ${written}`, () => {
      const text = withLine(DIM, `  coherence_vector_dim: ${written}`, noVector);
      expectOnly(
        text,
        diag(
          'QY050',
          'error',
          'vector_alignment_map.coherence_vector_dim',
          `coherence_vector_dim ${written} must be a positive integer`,
          valueAfter(text, 'coherence_vector_dim: '),
        ),
      );
    });
  }
  it('accepts the integer forms every YAML reader reads alike (decimal, hexadecimal, !!int)', () => {
    for (const written of ['4', '+4', '0x4', '!!int 4']) {
      expect(lint(withLine(DIM, `  coherence_vector_dim: ${written}`))).toEqual([]);
    }
  });
  it('rejects registry_ttl: 30.0', () => {
    const text = withLine(TTL, '  registry_ttl: 30.0');
    expectOnly(
      text,
      diag(
        'QY042',
        'error',
        'registry_binding.registry_ttl',
        'registry_ttl 30.0 must be an integer of 0 or more',
        valueAfter(text, 'registry_ttl: '),
      ),
    );
  });
});
