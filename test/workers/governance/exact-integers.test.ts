import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../governance/index.ts';
import { diag, expectOnly, lint, locate, VALID, valueAfter, withLine } from './fixtures.ts';

const TTL = '  registry_ttl: 30';
const DIM = '  coherence_vector_dim: 4';
const TARGET = '  target_system: k8s';
const TTL_PATH = 'registry_binding.registry_ttl';
const DIM_PATH = 'vector_alignment_map.coherence_vector_dim';

// A JavaScript number holds integers exactly only up to 2^53 - 1: a larger literal is silently rounded
// (9007199254740993 reads as 9007199254740992), so the value checked would not be the value written.
describe('integers beyond the exact range are reported with the text written', () => {
  const beyond = [
    '9007199254740993',
    '9007199254740992',
    '123456789012345678901234567890',
    '0x20000000000001',
    '0o400000000000000001',
    '!!int 9007199254740993',
  ];
  for (const written of beyond) {
    it(`registry_ttl: ${written}`, () => {
      const text = withLine(TTL, `  registry_ttl: ${written}`);
      const shown = written.replace('!!int ', '');
      expectOnly(
        text,
        diag(
          'QY042',
          'error',
          TTL_PATH,
          `registry_ttl ${shown} is beyond the largest integer read exactly (9007199254740991)`,
          locate(text, shown),
        ),
      );
    });
    it(`coherence_vector_dim: ${written}`, () => {
      const text = withLine(
        '  coherence_vector: [0.1, 0.2, 0.3, 0.4]',
        '',
        withLine(DIM, `  coherence_vector_dim: ${written}`),
      );
      const shown = written.replace('!!int ', '');
      expectOnly(
        text,
        diag(
          'QY050',
          'error',
          DIM_PATH,
          `coherence_vector_dim ${shown} is beyond the largest integer read exactly (9007199254740991)`,
          locate(text, shown),
        ),
      );
    });
  }

  it('a dimension beyond the exact range is not compared with the vector length (QY050 says why)', () => {
    const text = withLine(DIM, '  coherence_vector_dim: 9007199254740996');
    expect(lint(text).map((d) => d.rule)).toEqual(['QY050']);
  });

  it('the largest exact integer is still accepted', () => {
    expect(lint(withLine(TTL, '  registry_ttl: 9007199254740991'))).toEqual([]);
    expect(lint(withLine(TTL, '  registry_ttl: 0x1F'))).toEqual([]);
  });

  for (const written of ['1e400', '.inf', '-.inf', '.nan']) {
    it(`registry_ttl: ${written} is refused, quoting the text`, () => {
      const text = withLine(TTL, `  registry_ttl: ${written}`);
      expectOnly(
        text,
        diag(
          'QY042',
          'error',
          TTL_PATH,
          `registry_ttl ${written} must be an integer of 0 or more`,
          valueAfter(text, 'registry_ttl: '),
        ),
      );
    });
  }
});

// YAML 1.2 reads 030 as thirty; YAML 1.1 readers (kubectl's and PyYAML's) read it as octal 24.
describe('integers with a leading zero are ambiguous between YAML versions', () => {
  it('registry_ttl: 030', () => {
    const text = withLine(TTL, '  registry_ttl: 030');
    expectOnly(
      text,
      diag(
        'QY042',
        'error',
        TTL_PATH,
        'registry_ttl 030 has a leading zero: YAML 1.2 reads 30, YAML 1.1 readers read octal; write 30',
        valueAfter(text, 'registry_ttl: '),
      ),
    );
  });
  it('coherence_vector_dim: 004', () => {
    const text = withLine(DIM, '  coherence_vector_dim: 004');
    expect(lint(text).map((d) => [d.rule, d.message])).toEqual([
      [
        'QY050',
        'coherence_vector_dim 004 has a leading zero: YAML 1.2 reads 4, YAML 1.1 readers read octal; write 4',
      ],
    ]);
  });
  it('zero itself is plain', () => {
    expect(lint(withLine(TTL, '  registry_ttl: 0'))).toEqual([]);
  });
});

// YAML 1.2 reads 0o36 as thirty; YAML 1.1 readers such as PyYAML know no 0o prefix and read text.
describe('integers in YAML 1.2 octal are ambiguous between YAML versions', () => {
  it('registry_ttl: 0o36', () => {
    const text = withLine(TTL, '  registry_ttl: 0o36');
    expectOnly(
      text,
      diag(
        'QY042',
        'error',
        TTL_PATH,
        'registry_ttl 0o36 is YAML 1.2 octal: YAML 1.2 reads 30, YAML 1.1 readers such as PyYAML read text; write 30',
        valueAfter(text, 'registry_ttl: '),
      ),
    );
  });
  it('coherence_vector_dim: 0o4', () => {
    expect(lint(withLine(DIM, '  coherence_vector_dim: 0o4')).map((d) => [d.rule, d.message])).toEqual([
      [
        'QY050',
        'coherence_vector_dim 0o4 is YAML 1.2 octal: YAML 1.2 reads 4, YAML 1.1 readers such as PyYAML read text; write 4',
      ],
    ]);
  });
});

describe('messages quote numbers as written, not as rounded', () => {
  for (const written of ['9007199254740993', '1e400', '.inf', '0x1F']) {
    it(`target_system: ${written}`, () => {
      const text = withLine(TARGET, `  target_system: ${written}`);
      expect(lint(text).map((d) => d.message)).toEqual([
        `document_metadata.target_system must be a string, found ${written}`,
      ]);
    });
  }
  it('a huge numeric literal is shortened in the message', () => {
    const digits = '9'.repeat(500);
    const [message] = lint(withLine(TARGET, `  target_system: ${digits}`)).map((d) => d.message);
    expect(message!.length).toBeLessThan(200);
    expect(message).toContain('99999...');
  });
});

describe('policy files keep integers exact', () => {
  it('refuses a limit beyond the exact range instead of rounding it', () => {
    const result = parsePolicyText('limits:\n  maxFileBytes: 9007199254740993\n');
    expect(result).toEqual({
      ok: false,
      error:
        'invalid policy: limits.maxFileBytes: 9007199254740993 is beyond the largest integer read exactly (9007199254740991)',
    });
  });
  it('refuses a generate.registryTtl that would be written rounded', () => {
    const result = parsePolicyText('{"generate": {"registryTtl": 18446744073709551616}}');
    expect(result.ok).toBe(false);
  });
  it('still reads ordinary integers', () => {
    const result = parsePolicyText('limits:\n  maxDocuments: 20\nuuidVersions: [1, 0x4]\n');
    expect(result.ok && [result.policy.limits.maxDocuments, result.policy.uuidVersions]).toEqual([
      20,
      [1, 4],
    ]);
  });
});

it('the fixture itself is clean', () => {
  expect(lint(VALID)).toEqual([]);
});

describe('policy file parse errors', () => {
  it('say what is wrong with the file, not which parser function to call', () => {
    expect(parsePolicyText('namespaces: [a]\n---\nnamespaces: [b]\n')).toEqual({
      ok: false,
      error: 'policy file does not parse: the file holds more than one YAML document',
    });
  });
});

// Two integers a JavaScript number cannot tell apart are still two keys for every YAML reader.
describe('integer mapping keys are compared exactly', () => {
  it('keys beyond the exact range that differ are not duplicates', () => {
    const found = lint('a: {9007199254740993: x, 9007199254740992: y}\n');
    expect(found.map((d) => d.message)).not.toContain('Map keys must be unique');
  });
  it('the same integer written twice, in any form, is still a duplicate', () => {
    expect(lint('a: {16: x, 0x10: y}\n').map((d) => [d.rule, d.message, d.column])).toContainEqual([
      'QY001',
      'Map keys must be unique',
      12,
    ]);
    expect(lint('a: {9007199254740993: x, 9007199254740993: y}\n').map((d) => d.message)).toContain(
      'Map keys must be unique',
    );
  });
});
