import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { type Deref, type Entry, scalarKey, stringValue } from './nodes.ts';

export const MERGE_KEY = '<<';

/** An entry as Kubernetes sees it, and whether it was merged in rather than written in the mapping. */
export interface MergedEntry extends Entry {
  merged: boolean;
}

/**
 * The entries of a Kubernetes object's mapping after YAML 1.1 merge keys (`<<: *a`, `<<: [*a, *b]`),
 * which Kubernetes' parser applies: the mapping's own keys win, then merged mappings in order (the
 * earlier wins), each with its own merges. One entry per key, in the order first seen. The governance
 * blocks are YAML 1.2 and do not merge (QY014 says so); only the Kubernetes objects are read this way.
 */
export function mergedEntries(map: YAMLMap, deref: Deref): MergedEntry[] {
  // Most mappings merge nothing, and their keys are already known to be unique (walk.ts).
  if (!map.items.some((pair) => isMergeKey(pair.key))) {
    const plain: MergedEntry[] = [];
    for (const pair of map.items) {
      const key = scalarKey(pair.key, deref);
      if (key) plain.push({ key, value: deref(pair.value), merged: false });
    }
    return plain;
  }
  const found = new Map<unknown, MergedEntry>();
  const visited = new Set<YAMLMap>();
  // Iterative, so a chain of merges cannot exhaust the stack; each mapping is read once (cycles end).
  const pending: Array<{ map: YAMLMap; merged: boolean }> = [{ map, merged: false }];
  while (pending.length > 0) {
    const current = pending.shift()!;
    if (visited.has(current.map)) continue;
    visited.add(current.map);
    const sources: YAMLMap[] = [];
    for (const pair of current.map.items) {
      const key = scalarKey(pair.key, deref);
      if (!key) continue;
      if (isMergeKey(pair.key)) {
        sources.push(...mergeSources(deref(pair.value), deref));
        continue;
      }
      if (found.has(key.value)) continue;
      found.set(key.value, { key, value: deref(pair.value), merged: current.merged });
    }
    // Depth first in precedence order: a merged mapping's own merges come before the next merged one.
    pending.unshift(...sources.map((source) => ({ map: source, merged: true })));
  }
  return [...found.values()];
}

/** A plain `<<` (or one tagged `!!merge`); a quoted "<<" is an ordinary key for YAML 1.1 readers too. */
export function isMergeKey(key: unknown): boolean {
  if (!isScalar(key) || key.value !== MERGE_KEY) return false;
  return key.type === 'PLAIN' || key.tag === 'tag:yaml.org,2002:merge';
}

/** The mappings a `<<` value merges: one mapping or a list of them (other values merge nothing). */
function mergeSources(value: unknown, deref: Deref): YAMLMap[] {
  if (isMap(value)) return [value];
  if (!isSeq(value)) return [];
  return value.items.map((item) => deref(item)).filter((item): item is YAMLMap => isMap(item));
}

export function mergedEntry(map: YAMLMap, key: string, deref: Deref): MergedEntry | undefined {
  return mergedEntries(map, deref).find((entry) => entry.key.value === key);
}

export function mergedMap(map: YAMLMap, key: string, deref: Deref): YAMLMap | undefined {
  const value = mergedEntry(map, key, deref)?.value;
  return isMap(value) ? value : undefined;
}

export function mergedString(map: YAMLMap, key: string, deref: Deref): string | undefined {
  return stringValue(mergedEntry(map, key, deref)?.value ?? null);
}
