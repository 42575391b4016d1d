import { type Document, isMap, isScalar, parseAllDocuments } from 'yaml';
import { COMPANION_KEY, isBlockName } from '../parse/blocks.ts';

export type StripResult =
  | { ok: true; output: string; documents: number; removedKeys: number }
  | { ok: false; error: string; line: number; column: number };

const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

/**
 * Removes the governance blocks (and `governance_companion` wrappers) through the yaml Document API,
 * so comments, key order and scalar styles of the Kubernetes objects survive. Documents left empty
 * (the governance documents) are dropped with their comments.
 */
export function stripGovernance(source: string): StripResult {
  const docs = parseAllDocuments(source, { prettyErrors: false });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  const kept: string[] = [];
  let removedKeys = 0;
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const position = lineColumn(source, error.pos[0]);
      return { ok: false, error: error.message.split('\n')[0] ?? error.message, ...position };
    }
    const root = doc.contents;
    if (root === null) continue;
    if (isMap(root)) {
      const before = root.items.length;
      root.items = root.items.filter((pair) => !(isScalar(pair.key) && isGovernanceKey(pair.key.value)));
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

function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
