import { isMap, type Node, type Scalar } from 'yaml';
import { type Deref, makeDeref, scalarKey } from './nodes.ts';
import type { ParsedDocument } from './parse-file.ts';

export const BLOCK_NAMES = [
  'document_metadata',
  'governance_info',
  'registry_binding',
  'vector_alignment_map',
] as const;
export type BlockName = (typeof BLOCK_NAMES)[number];

/** The wrapper some generators put around the four blocks. */
export const COMPANION_KEY = 'governance_companion';

const BLOCK_SET: ReadonlySet<string> = new Set(BLOCK_NAMES);

export function isBlockName(key: unknown): key is BlockName {
  return typeof key === 'string' && BLOCK_SET.has(key);
}

export interface BlockOccurrence {
  name: BlockName;
  key: Scalar;
  value: Node | null;
  document: ParsedDocument;
  deref: Deref;
}

/**
 * Finds the governance blocks in every cleanly parsed document: at the top level of a manifest, in a
 * document of their own, or under a `governance_companion:` wrapper. Returned in document order.
 */
export function findBlocks(documents: ParsedDocument[]): BlockOccurrence[] {
  const found: BlockOccurrence[] = [];
  for (const document of documents) {
    if (!document.ok) continue;
    const deref = makeDeref(document.aliasTargets);
    const root = deref(document.doc.contents);
    if (!isMap(root)) continue;
    for (const pair of root.items) {
      const scalar = scalarKey(pair.key, deref);
      if (!scalar) continue;
      const key = scalar.value;
      if (isBlockName(key)) {
        found.push({ name: key, key: scalar, value: deref(pair.value), document, deref });
      } else if (key === COMPANION_KEY) {
        const wrapper = deref(pair.value);
        if (!isMap(wrapper)) continue;
        for (const inner of wrapper.items) {
          const innerKey = scalarKey(inner.key, deref);
          if (innerKey && isBlockName(innerKey.value)) {
            found.push({ name: innerKey.value, key: innerKey, value: deref(inner.value), document, deref });
          }
        }
      }
    }
  }
  return found;
}
