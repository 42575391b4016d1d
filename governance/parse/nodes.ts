import {
  type Alias,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { shorten } from './numbers.ts';
import { hasNonTextTag, shortTag } from './tags.ts';

/** Resolves aliases through the targets found while walking the document. */
export type Deref = (node: unknown) => Node | null;

export function makeDeref(aliasTargets: Map<Alias, Node>): Deref {
  return (node) => {
    if (isAlias(node)) return aliasTargets.get(node) ?? null;
    return node && typeof node === 'object' ? (node as Node) : null;
  };
}

export interface Entry {
  key: Scalar;
  value: Node | null;
}

const aliasKeys = new WeakMap<Alias, Scalar>();

/**
 * A mapping key as every reader takes it: a scalar, or an alias of one (`*id : x` after `&id owner: y`
 * is an `owner` key), so fields given through an alias key are seen by the rules. The alias stands in
 * as a scalar of its anchor's value at the alias's own place, so reports point where it is written.
 */
export function scalarKey(key: unknown, deref: Deref): Scalar | null {
  if (isScalar(key)) return key;
  if (!isAlias(key)) return null;
  const cached = aliasKeys.get(key);
  if (cached) return cached;
  const target = deref(key);
  if (!isScalar(target)) return null;
  const stand = new Scalar(target.value);
  // The anchor's scalar as written (its text, style and tag), at the alias's place.
  stand.range = key.range;
  stand.source = target.source;
  stand.type = target.type;
  stand.tag = target.tag;
  aliasKeys.set(key, stand);
  return stand;
}

/** Iterates a mapping's entries whose keys are scalars (or aliases of scalars). */
export function* entries(map: YAMLMap, deref: Deref): Generator<Entry> {
  for (const pair of map.items) {
    const key = scalarKey(pair.key, deref);
    if (key) yield { key, value: deref(pair.value) };
  }
}

export function getEntry(map: YAMLMap, key: string, deref: Deref): Entry | undefined {
  for (const pair of map.items) {
    const scalar = scalarKey(pair.key, deref);
    if (scalar?.value === key) return { key: scalar, value: deref(pair.value) };
  }
  return undefined;
}

export function getMap(map: YAMLMap, key: string, deref: Deref): YAMLMap | undefined {
  const value = getEntry(map, key, deref)?.value;
  return isMap(value) ? value : undefined;
}

export function getString(map: YAMLMap, key: string, deref: Deref): string | undefined {
  return stringValue(getEntry(map, key, deref)?.value ?? null);
}

export function stringValue(node: Node | null): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

/** A value the author left out or wrote as `~`/empty counts as absent. */
export function isBlank(node: Node | null): boolean {
  if (!node) return true;
  if (!isScalar(node)) return false;
  return node.value === null || (typeof node.value === 'string' && node.value.trim() === '');
}

export function seqItems(node: Node | null, deref: Deref): Node[] | undefined {
  if (!isSeq(node)) return undefined;
  return (node as YAMLSeq).items.map((item) => deref(item)).filter((item): item is Node => item !== null);
}

export function offsetOf(node: { range?: [number, number, number] | null } | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

/**
 * Offset just after a node as written. A block collection's range runs on over trailing comments and
 * blank lines, so it ends with its last item instead (found iteratively: nesting is bounded, not small).
 */
export function endOf(node: Node | Scalar): number | undefined {
  let current: unknown = node;
  while ((isMap(current) || isSeq(current)) && !current.flow && current.items.length > 0) {
    const last: unknown = current.items[current.items.length - 1];
    const next = isPair(last) ? (last.value ?? last.key) : last;
    if (!next || typeof next !== 'object' || !('range' in next) || !next.range) break;
    current = next;
  }
  return (current as { range?: [number, number, number] | null }).range?.[1];
}

/** Human rendering of a scalar for messages, bounded so huge values never flood a report. */
export function describe(node: Node | null): string {
  if (!node) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    // A standard tag the parser could not apply leaves text behind (`!!int abc`): the tag tells it apart.
    const tagged = hasNonTextTag(node) ? `${shortTag(node.tag!)} ` : '';
    if (typeof value === 'string') return `${tagged}${JSON.stringify(shorten(value))}`;
    // Numbers, booleans and timestamps are quoted as written: a rounded or converted value
    // (9007199254740992 for 9007199254740993, Infinity for 1e400) is not what the author sees.
    return shorten(node.source?.trim() || String(value));
  }
  return 'a value';
}
