import { isMap } from 'yaml';
import { positionOf } from '../lint/position.ts';
import { COMPANION_KEY, isBlockName } from '../parse/blocks.ts';
import { makeDeref, scalarKey } from '../parse/nodes.ts';
import { parseFile } from '../parse/parse-file.ts';
import { DEFAULT_POLICY, type LintLimits } from '../policy/default-policy.ts';

export type StripResult =
  | { ok: true; output: string; documents: number; removedKeys: number }
  | { ok: false; error: string; line: number; column: number };

const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

/**
 * Removes the governance blocks (and `governance_companion` wrappers) through the yaml Document API,
 * so comments, key order and scalar styles of the Kubernetes objects survive. Documents left empty
 * (the governance documents) are dropped with their comments.
 */
export function stripGovernance(source: string, limits: LintLimits = DEFAULT_POLICY.limits): StripResult {
  // The linter's parse, so hostile input is refused within the same limits before any work is done.
  const file = parseFile('input', source, limits);
  const problem = file.problems[0];
  if (problem) return { ok: false, error: problem.message, ...positionOf(file, problem.offset) };
  const kept: string[] = [];
  let removedKeys = 0;
  for (const { doc, aliasTargets } of file.documents) {
    const deref = makeDeref(aliasTargets);
    const root = doc.contents;
    if (root === null) continue;
    if (isMap(root)) {
      const before = root.items.length;
      root.items = root.items.filter((pair) => !isGovernanceKey(scalarKey(pair.key, deref)?.value));
      removedKeys += before - root.items.length;
      if (root.items.length === 0) continue;
    }
    const text = doc.toString(TO_STRING);
    kept.push(text.startsWith('---') || kept.length === 0 ? text : `---\n${text}`);
  }
  return { ok: true, output: kept.join(''), documents: kept.length, removedKeys };
}

function isGovernanceKey(key: unknown): boolean {
  return isBlockName(key) || key === COMPANION_KEY;
}
