import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy, parsePolicyText } from '../../../governance/index.ts';
import { diag, lint, VALID } from './fixtures.ts';

// The parser holds a document's syntax tree and nodes in memory, about a kilobyte per token: tokens
// and documents are bounded before it runs, so a file a few hundred kilobytes long cannot exhaust a
// Worker's memory.
function withLimits(limits: Partial<Policy['limits']>): Policy {
  return { ...DEFAULT_POLICY, limits: { ...DEFAULT_POLICY.limits, ...limits } };
}

const tokenLimit = (n: number) => `file holds more than ${n} YAML tokens (the limit)`;

describe('tokens and documents are bounded before parsing', () => {
  it('refuses a long flow list at the token past the limit, without parsing it', () => {
    const content = `[${'a,'.repeat(60_000)}a]\n`;
    expect(lint(content)).toEqual([
      diag('QY002', 'error', '', tokenLimit(100_000), { line: 1, column: 100_001 }),
    ]);
  });

  it('takes the limit from the policy, and counts a manifest within it as usual', () => {
    const policy = parsePolicyText('limits:\n  maxTokens: 200\n');
    expect(policy.ok).toBe(true);
    if (!policy.ok) return;
    expect(lint(VALID, policy.policy)).toEqual([]);
    const longer = `${VALID.replace('  name: api\n', `  name: api\n  labels: {${Array.from({ length: 30 }, (_, i) => `k${i}: v`).join(', ')}}\n`)}`;
    expect(lint(longer, policy.policy).map((d) => [d.rule, d.message])).toEqual([['QY002', tokenLimit(200)]]);
  });

  it('counts a block scalar and a quoted string as one token however many words they hold', () => {
    // A dashboard's JSON in a ConfigMap: many words and indicators, few YAML tokens.
    const json = JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, tags: ['a', 'b'] })));
    const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash\n  namespace: eco-base\ndata:\n  block.json: |\n    ${json}\n  quoted.json: ${JSON.stringify(json)}\n---\n`;
    const governance = VALID.split('---\n').at(-1)!;
    expect(lint(configMap + governance, withLimits({ maxTokens: 200 }))).toEqual([]);
  });

  it('refuses many documents before parsing them, and still reads the limit exactly', () => {
    const over = 'a: 1\n---\n'.repeat(2_000);
    expect(lint(over)).toEqual([
      diag('QY002', 'error', '', 'file holds more than 500 documents', { line: 1, column: 1 }),
    ]);
    const policy = withLimits({ maxDocuments: 3 });
    expect(lint('---\na: 1\n---\nb: 1\n---\nc: 1\n', policy).map((d) => d.rule)).not.toContain('QY002');
    expect(lint('---\na: 1\n---\nb: 1\n---\nc: 1\n---\nd: 1\n', policy)).toContainEqual(
      diag('QY002', 'error', '', 'file holds more than 3 documents', { line: 1, column: 1 }),
    );
    // Three markers may stand for three documents or four: the parser settles it.
    expect(lint('a: 1\n---\nb: 1\n---\nc: 1\n---\nd: 1\n', policy)).toContainEqual(
      diag('QY002', 'error', '', 'file holds 4 documents, over the limit of 3', { line: 1, column: 1 }),
    );
  });

  it('refuses a policy whose token limit is not a positive integer', () => {
    for (const text of [
      'limits:\n  maxTokens: 0\n',
      'limits:\n  maxTokens: 1.5\n',
      'limits:\n  maxTokens: x\n',
    ]) {
      expect(parsePolicyText(text).ok).toBe(false);
    }
  });
});

describe('a parser that runs out of stack', () => {
  it('reports the syntax error it was recovering from, not a hostile input', () => {
    // Each `a: b: c` line makes the parser nest the next one: a few thousand short lines exhaust its stack.
    const content = 'a: b: c: d\n'.repeat(3_000);
    expect(lint(content)).toEqual([
      diag('QY001', 'error', '', 'Nested mappings are not allowed in compact mappings', {
        line: 1,
        column: 4,
      }),
    ]);
  });
});
