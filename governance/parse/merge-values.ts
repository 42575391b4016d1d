import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { COMPANION_KEY, isBlockName } from './blocks.ts';
import { isMergeKey, mergedMap, mergedString } from './merge.ts';
import { type Deref, makeDeref, scalarKey } from './nodes.ts';
import type { ParsedDocument } from './parse-file.ts';

/** A `<<` whose value Kubernetes' YAML reader refuses to merge. */
export interface BadMerge {
  /** The offending node as written (an alias, not what it refers to). */
  node: Node;
  /** Dotted path of the mapping holding the `<<`, then `<<`. */
  path: string;
  object: string;
  message: string;
}

/**
 * Every `<<` in the Kubernetes objects (mappings with a `kind`) of the cleanly parsed documents whose
 * value is not a mapping or a list of mappings. Kubernetes reads YAML 1.1, where such a merge key is an
 * error ("map merge requires map or sequence of maps as the value"): kubectl refuses the whole object.
 * The governance blocks are skipped: they are YAML 1.2 (QY014 names a merge key there).
 */
export function findBadMerges(documents: readonly ParsedDocument[]): BadMerge[] {
  const found: BadMerge[] = [];
  for (const document of documents) {
    if (!document.ok) continue;
    const deref = makeDeref(document.aliasTargets);
    const root = deref(document.doc.contents);
    if (!isMap(root)) continue;
    const kind = mergedString(root, 'kind', deref);
    if (!kind) continue;
    const metadata = mergedMap(root, 'metadata', deref);
    const name = metadata ? mergedString(metadata, 'name', deref) : undefined;
    const object = name === undefined ? kind : `${kind}/${name}`;
    // Iterative, each node once (aliases may point back at what holds them); depth is already bounded.
    const stack: Array<{ node: Node; path: string }> = [{ node: root, path: '' }];
    const seen = new Set<Node>();
    while (stack.length > 0) {
      const { node, path } = stack.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      const children: Array<{ node: Node; path: string }> = [];
      if (isSeq(node)) {
        node.items.forEach((item, index) => {
          const child = deref(item);
          if (child) children.push({ node: child, path: join(path, String(index)) });
        });
      } else if (isMap(node)) {
        for (const pair of node.items) {
          const key = scalarKey(pair.key, deref)?.value;
          if (node === root && (isBlockName(key) || key === COMPANION_KEY)) continue;
          if (isMergeKey(pair.key)) {
            const problem = mergeProblem(pair.key as Node, pair.value as Node | null, deref);
            if (problem) found.push({ ...problem, path: join(path, '<<'), object });
          }
          const child = deref(pair.value);
          if (child) children.push({ node: child, path: join(path, String(key ?? '?')) });
        }
      }
      // Reversed so the findings come out in document order.
      stack.push(...children.reverse());
    }
  }
  return found;
}

/** What go-yaml (Kubernetes' reader) refuses: anything but a mapping, or a list whose items are all mappings. */
function mergeProblem(
  key: Node,
  written: Node | null,
  deref: Deref,
): { node: Node; message: string } | undefined {
  const value = deref(written);
  if (isMap(value)) return undefined;
  if (isSeq(value) && !isAlias(written)) {
    for (const [index, item] of value.items.entries()) {
      if (isMap(deref(item))) continue;
      const message = `merge key << list item ${index + 1} is ${kindOf(deref(item), item)}, not a mapping`;
      return { node: (item as Node | null) ?? value, message };
    }
    return undefined;
  }
  const message = `merge key << merges ${kindOf(value, written)}, not a mapping or a list of mappings`;
  // An empty value has no text of its own: the key is shown instead.
  const shown = written?.range && written.range[1] > written.range[0] ? written : key;
  return { node: shown, message };
}

function kindOf(value: Node | null, written: unknown): string {
  const through = isAlias(written) ? ` (through *${written.source})` : '';
  if (isSeq(value)) return `a list${through}`;
  if (!isScalar(value) || value.value === null) return `nothing${through}`;
  const type = typeof value.value;
  const word =
    type === 'string'
      ? 'a string'
      : type === 'boolean'
        ? 'a boolean'
        : type === 'object'
          ? 'a timestamp'
          : 'a number';
  return `${word}${through}`;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
