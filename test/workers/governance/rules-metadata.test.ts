import { describe, expect, it } from 'vitest';
import { diag, expectOnly, lint, locate, VALID, withLine, withUniqueId } from './fixtures.ts';

describe('the valid fixture', () => {
  it('passes every rule', () => {
    expect(lint(VALID)).toEqual([]);
  });
});

describe('QY010 missing-block', () => {
  it('reports each missing block at the first block found', () => {
    const text = VALID.replace(/vector_alignment_map:[\s\S]*$/, '');
    expectOnly(
      text,
      diag('QY010', 'error', 'vector_alignment_map', 'missing governance block vector_alignment_map', {
        line: 27,
        column: 1,
      }),
    );
  });
  it('reports all four blocks at 1:1 for a plain manifest', () => {
    const found = lint('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    expect(found.map((d) => [d.rule, d.path, d.line, d.column])).toEqual([
      ['QY010', 'document_metadata', 1, 1],
      ['QY010', 'governance_info', 1, 1],
      ['QY010', 'registry_binding', 1, 1],
      ['QY010', 'vector_alignment_map', 1, 1],
    ]);
  });
});

describe('QY011 block-not-mapping', () => {
  it('reports a block that is a list', () => {
    const text = VALID.replace(/governance_info:\n( {2}.*\n)+/, 'governance_info: [a]\n');
    expectOnly(
      text,
      diag(
        'QY011',
        'error',
        'governance_info',
        'governance_info must be a mapping, found a list',
        locate(text, '[a]'),
      ),
    );
  });
});

describe('QY012 duplicate-block', () => {
  it('reports the second declaration of a block', () => {
    const text = `${VALID}---\ngovernance_info:\n  owner: x\n`;
    const second = text.lastIndexOf('governance_info:');
    const line = text.slice(0, second).split('\n').length;
    expectOnly(
      text,
      diag('QY012', 'error', 'governance_info', 'governance_info is declared again (first at line 36)', {
        line,
        column: 1,
      }),
    );
  });
});

describe('QY013 required-field', () => {
  it('reports a missing field at its block key', () => {
    const text = withLine('  target_system: k8s', '');
    expectOnly(
      text,
      diag(
        'QY013',
        'error',
        'document_metadata.target_system',
        'document_metadata is missing required field target_system',
        locate(text, 'document_metadata:'),
      ),
    );
  });
  it('reports an empty field at its key', () => {
    const text = withLine('  owner: platform-team', '  owner:');
    expectOnly(
      text,
      diag(
        'QY013',
        'error',
        'governance_info.owner',
        'governance_info.owner is empty',
        locate(text, 'owner:'),
      ),
    );
  });
});

describe('QY014 unknown-key', () => {
  it('warns about a key outside the specification', () => {
    const text = withLine('  target_system: k8s', '  target_system: k8s\n  classification: internal');
    expectOnly(
      text,
      diag(
        'QY014',
        'warning',
        'document_metadata.classification',
        'unknown key classification in document_metadata',
        locate(text, 'classification'),
      ),
    );
  });
});

describe('QY015 field-type', () => {
  it('reports a list where a string belongs', () => {
    const text = withLine('  owner: platform-team', '  owner: [a, b]');
    expectOnly(
      text,
      diag(
        'QY015',
        'error',
        'governance_info.owner',
        'governance_info.owner must be a string, found a list',
        {
          ...locate(text, '[a, b]'),
        },
      ),
    );
  });
  it('reports a non-string item in cross_layer_binding', () => {
    const text = withLine('  cross_layer_binding: [redis]', '  cross_layer_binding: [redis, 42]');
    expectOnly(
      text,
      diag(
        'QY015',
        'error',
        'document_metadata.cross_layer_binding',
        'document_metadata.cross_layer_binding must be a list of strings, found item 42',
        locate(text, '[redis, 42]'),
      ),
    );
  });
  it('accepts function_keyword as a single string', () => {
    expect(lint(withLine('  function_keyword: [api]', '  function_keyword: api'))).toEqual([]);
  });
});

describe('QY020 unique-id', () => {
  const line = '  unique_id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"';
  it('rejects a value that is not a UUID', () => {
    const text = withUniqueId('"eco-gw-0001-0001-000000000001"');
    expectOnly(
      text,
      diag(
        'QY020',
        'error',
        'document_metadata.unique_id',
        'unique_id "eco-gw-0001-0001-000000000001" is not a UUID',
        locate(text, '"eco-gw'),
      ),
    );
  });
  it('rejects a version 4 UUID', () => {
    const text = withUniqueId('550e8400-e29b-41d4-a716-446655440000');
    expectOnly(
      text,
      diag(
        'QY020',
        'error',
        'document_metadata.unique_id',
        'unique_id "550e8400-e29b-41d4-a716-446655440000" is a version 4 UUID; expected version 1',
        { line: 28, column: 14 },
      ),
    );
  });
  it('rejects a version 1 UUID without the RFC 4122 variant', () => {
    const text = withLine(line, '  unique_id: "6ba7b810-9dad-11d1-c0b4-00c04fd430c8"');
    const [found] = lint(text);
    expect(found?.message).toBe(
      'unique_id "6ba7b810-9dad-11d1-c0b4-00c04fd430c8" does not carry the RFC 4122 variant',
    );
  });
});

describe('QY021 uri-prefix and QY022 urn-prefix', () => {
  it('rejects a uri with another scheme', () => {
    const text = withLine('  uri: "eco-base://k8s/eco-base/deployment/api"', '  uri: "indestructible://x"');
    expectOnly(
      text,
      diag(
        'QY021',
        'error',
        'document_metadata.uri',
        'uri "indestructible://x" must start with eco-base:// or indestructibleeco://',
        locate(text, '"indestructible://'),
      ),
    );
  });
  it('rejects a uri with nothing after its scheme but blanks, or blanks inside', () => {
    for (const [uri, problem] of [
      ['eco-base://', 'names no resource'],
      ['eco-base:// ', 'holds blanks, which no URI may'],
      ['eco-base://k8s/my api', 'holds blanks, which no URI may'],
    ]) {
      const text = withLine('  uri: "eco-base://k8s/eco-base/deployment/api"', `  uri: "${uri}"`);
      expectOnly(
        text,
        diag(
          'QY021',
          'error',
          'document_metadata.uri',
          `uri "${uri}" ${problem} after eco-base://`,
          locate(text, `"${uri}`),
        ),
      );
    }
  });
  it('accepts the second configured namespace', () => {
    expect(
      lint(withLine('  uri: "eco-base://k8s/eco-base/deployment/api"', '  uri: indestructibleeco://k8s/x')),
    ).toEqual([]);
  });
  it('rejects a urn without the prefix', () => {
    const text = withLine(
      '  urn: "urn:eco-base:k8s:eco-base:deployment:api:6ba7b810-9dad-11d1-80b4-00c04fd430c8"',
      '  urn: "eco-base:k8s:api"',
    );
    expectOnly(
      text,
      diag(
        'QY022',
        'error',
        'document_metadata.urn',
        'urn "eco-base:k8s:api" must start with urn:eco-base: or urn:indestructibleeco:',
        locate(text, '"eco-base:k8s:api"'),
      ),
    );
  });
});

describe('QY023 schema-version and QY024 created-at', () => {
  it('rejects a schema_version that is not v + digits', () => {
    const text = withLine('  schema_version: v8', '  schema_version: "1.0"');
    expectOnly(
      text,
      diag(
        'QY023',
        'error',
        'document_metadata.schema_version',
        'schema_version "1.0" does not match ^v\\d+$',
        {
          ...locate(text, '"1.0"'),
        },
      ),
    );
  });
  it('rejects a created_at that is not ISO 8601', () => {
    const text = withLine('  created_at: "2025-02-18T00:00:00.000Z"', '  created_at: "18/02/2025"');
    expectOnly(
      text,
      diag(
        'QY024',
        'error',
        'document_metadata.created_at',
        'created_at "18/02/2025" is not an ISO 8601 timestamp',
        locate(text, '"18/02/2025"'),
      ),
    );
  });
  it('rejects an impossible date and accepts offsets and plain dates', () => {
    const line = '  created_at: "2025-02-18T00:00:00.000Z"';
    expect(lint(withLine(line, '  created_at: "2025-02-30T00:00:00Z"'))[0]?.rule).toBe('QY024');
    expect(lint(withLine(line, '  created_at: 2025-02-18T08:00:00+08:00'))).toEqual([]);
    expect(lint(withLine(line, '  created_at: 2025-02-18'))).toEqual([]);
  });
});

describe('QY072 urn-identity', () => {
  it('warns when the urn does not end with the unique_id', () => {
    const text = withLine(
      '  urn: "urn:eco-base:k8s:eco-base:deployment:api:6ba7b810-9dad-11d1-80b4-00c04fd430c8"',
      '  urn: "urn:eco-base:k8s:eco-base:deployment:api:6ba7b810-9dad-11d1-80b4-00c04fd430c9"',
    );
    expectOnly(
      text,
      diag(
        'QY072',
        'warning',
        'document_metadata.urn',
        'urn ends with "6ba7b810-9dad-11d1-80b4-00c04fd430c9", not with the unique_id "6ba7b810-9dad-11d1-80b4-00c04fd430c8"',
        locate(text, '"urn:eco-base:k8s:eco-base:deployment:api:6ba7b810-9dad-11d1-80b4-00c04fd430c9"'),
      ),
    );
  });
  it('needs the id as the whole last segment, not the tail of one', () => {
    // The id must be a whole last segment: "...:x-<id>" is not "...:<id>".
    const text = withLine(
      '  urn: "urn:eco-base:k8s:eco-base:deployment:api:6ba7b810-9dad-11d1-80b4-00c04fd430c8"',
      '  urn: "urn:eco-base:k8s:eco-base:deployment:api-6ba7b810-9dad-11d1-80b4-00c04fd430c8"',
    );
    expect(lint(text).map((d) => d.rule)).toEqual(['QY072']);
  });
});
