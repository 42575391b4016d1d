import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, lintFiles, stripGovernance } from '../../../governance/index.ts';
import { diag, lint, VALID } from './fixtures.ts';

const GOVERNANCE = VALID.slice(VALID.indexOf('# Governance'));

describe('block placement', () => {
  it('accepts the blocks inline in a manifest document', () => {
    const inline = `apiVersion: v1\nkind: Service\nmetadata:\n  name: api-svc\n  namespace: eco-base\n${GOVERNANCE}`;
    expect(lint(inline)).toEqual([]);
  });
  it('accepts the blocks under a governance_companion wrapper', () => {
    const wrapped = GOVERNANCE.replace('# Governance\n', 'governance_companion:\n')
      .split('\n')
      .map((line, i) => (i === 0 || line === '' ? line : `  ${line}`))
      .join('\n');
    expect(lint(wrapped)).toEqual([]);
  });
  it('accepts the blocks split over several documents', () => {
    const split = GOVERNANCE.replace('governance_info:', '---\ngovernance_info:').replace(
      'vector_alignment_map:',
      '---\nvector_alignment_map:',
    );
    expect(lint(split)).toEqual([]);
  });
  it('resolves aliases inside a block', () => {
    const aliased = GOVERNANCE.replace('  owner: platform-team', '  owner: &team platform-team').replace(
      '  approval_chain: [platform-team]',
      '  approval_chain: [*team]',
    );
    expect(lint(aliased)).toEqual([]);
  });
});

describe('QY001 parse-error', () => {
  it('reports a broken document at its position and still checks the others', () => {
    const broken = `apiVersion: apps/v1\nkind: Deployment\nspec:\n  a: 1\n b: 2\n---\n${GOVERNANCE.replace(
      'lifecycle_policy: standard',
      'lifecycle_policy: active',
    )}`;
    const found = lint(broken);
    expect(found.map((d) => [d.rule, d.line, d.column])).toEqual([
      ['QY001', 5, 1],
      ['QY031', 21, 21],
    ]);
    expect(found[0]?.severity).toBe('error');
  });
  it('reports a duplicate key as a parse error', () => {
    const found = lint(`a: 1\na: 2\n`);
    expect(found[0]).toEqual(diag('QY001', 'error', '', 'Map keys must be unique', { line: 2, column: 1 }));
  });
  it('does not claim blocks are missing when the document that failed may hold them', () => {
    expect(lint('document_metadata: [\n').map((d) => d.rule)).toEqual(['QY001']);
  });
  it('reports an alias without an anchor', () => {
    expect(lint('a: *nowhere\n')[0]?.message).toBe('alias *nowhere has no anchor');
  });
});

describe('QY002 hostile-input', () => {
  const limits = DEFAULT_POLICY.limits;

  // How long these take is guarded in test/node/governance/hostile-time.test.ts (workerd's clock stands
  // still while code runs).
  it('refuses an alias bomb', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
      'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
    ].join('\n');
    const found = lint(bomb);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'QY002', severity: 'error' });
    expect(found[0]?.message).toMatch(/alias bomb/);
  });

  it('refuses deep flow nesting before parsing', () => {
    const deep = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const found = lint(deep);
    expect(found.map((d) => d.rule)).toEqual(['QY002']);
    expect(found[0]?.message).toBe(`flow collections nest deeper than ${limits.maxDepth * 8} levels`);
  });

  it('places a refusal made before parsing on its own line', () => {
    const max = limits.maxDepth * 8;
    expect(lint(`a: 1\nb: 2\nc: ${'['.repeat(max + 8)}`)).toEqual([
      diag('QY002', 'error', '', `flow collections nest deeper than ${max} levels`, {
        line: 3,
        column: max + 4,
      }),
    ]);
    expect(lint(`a: 1\n\nb:\n${' '.repeat(max + 1)}c: 1\n`)).toEqual([
      diag('QY002', 'error', '', `lines indent deeper than ${max} columns`, { line: 4, column: max + 2 }),
    ]);
    // Three tokens on line 1; on line 2, `b`, `:`, `[`, then one per column from 5: the limit's next at 99999.
    expect(lint(`a: 1\nb: [${'x,'.repeat(60_000)}x]\n`)).toEqual([
      diag('QY002', 'error', '', 'file holds more than 100000 YAML tokens (the limit)', {
        line: 2,
        column: 99_999,
      }),
    ]);
    expect(stripGovernance(`a: 1\nb: ${'['.repeat(max + 1)}`)).toMatchObject({ line: 2, column: max + 4 });
  });

  it('refuses deep block nesting', () => {
    let text = '';
    for (let depth = 0; depth < 100; depth++) text += `${' '.repeat(depth)}k:\n`;
    const found = lint(text);
    expect(found.map((d) => d.rule)).toEqual(['QY002']);
    expect(found[0]?.message).toBe(`collections nest deeper than ${limits.maxDepth} levels`);
  });

  it('refuses a huge scalar', () => {
    const found = lint(`a: "${'x'.repeat(limits.maxScalarLength + 1)}"\n`);
    expect(found).toEqual([
      diag(
        'QY002',
        'error',
        '',
        `scalar of ${limits.maxScalarLength + 1} characters, over the limit of ${limits.maxScalarLength}`,
        { line: 1, column: 4 },
      ),
    ]);
  });

  it('refuses an oversized file without parsing it', () => {
    const found = lint('#'.repeat(limits.maxFileBytes + 1));
    expect(found).toEqual([
      diag(
        'QY002',
        'error',
        '',
        `file is ${limits.maxFileBytes + 1} characters, over the limit of ${limits.maxFileBytes}`,
        { line: 1, column: 1 },
      ),
    ]);
  });

  it('refuses deep compact block nesting before parsing, in any file of a run', () => {
    // The parser composes block collections recursively: thousands of `- ` levels exhaust the stack.
    const deep = `${'- '.repeat(5000)}x\n`;
    const report = lintFiles([
      { path: 'shallow.qyaml', content: `${'- '.repeat(1000)}x\n` },
      { path: 'deep.qyaml', content: deep },
    ]);
    for (const file of report.files) {
      expect(file.diagnostics.map((d) => d.rule)).toEqual(['QY002']);
      expect(file.diagnostics[0]?.message).toBe(`lines indent deeper than ${limits.maxDepth * 8} columns`);
    }
  });

  it('still parses block nesting up to the prescan bound, then applies the depth limit', () => {
    let text = '';
    for (let depth = 0; depth < limits.maxDepth * 8; depth++) text += `${' '.repeat(depth)}k:\n`;
    const found = lint(text);
    expect(found.map((d) => d.message)).toEqual([`collections nest deeper than ${limits.maxDepth} levels`]);
  });

  it('refuses a circular alias', () => {
    const found = lint('a: &x [*x]\n');
    expect(found.map((d) => d.rule)).toContain('QY002');
  });
});

describe('positions', () => {
  it('does not count a byte order mark as a column', () => {
    expect(lint('\uFEFFdocument_metadata: 5\n').find((d) => d.rule === 'QY011')).toMatchObject({
      line: 1,
      column: 20,
    });
    const crlf = `\uFEFF${VALID.replace('  unique_id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"', '  unique_id: x').replace(/\n/g, '\r\n')}`;
    expect(lint(crlf).find((d) => d.rule === 'QY020')).toMatchObject({ line: 28, column: 14 });
  });
});
