import {
  type Alias,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  type Node,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import type { LintLimits } from '../policy/default-policy.ts';
import { endOf } from './nodes.ts';
import { exactInteger } from './numbers.ts';

export interface WalkProblem {
  kind: 'hostile' | 'syntax';
  message: string;
  offset: number;
  endOffset?: number;
}

export interface WalkResult {
  aliasTargets: Map<Alias, Node>;
  problem?: WalkProblem;
}

/**
 * One iterative pass over a document's nodes: enforces depth and scalar-size limits and resolves
 * every alias to its anchor (the most recent one before it, in document order). Alias expansion is
 * measured only when aliases exist, so plain manifests pay for a single walk.
 */
export function walkDocument(root: Node | null, limits: LintLimits): WalkResult {
  const aliasTargets = new Map<Alias, Node>();
  if (!root) return { aliasTargets };
  const anchors = new Map<string, Node>();
  // Maps with an alias as a key: their anchors may come later in the walk (on an earlier key of the same
  // map, or inside one), so their keys are compared again once every alias is resolved.
  const aliasKeyed: YAMLMap[] = [];
  const stack: Array<{ node: Node; depth: number }> = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        return { aliasTargets, problem: syntax(`alias *${node.source} has no anchor`, node) };
      }
      aliasTargets.set(node, target);
      continue;
    }
    if (node.anchor) anchors.set(node.anchor, node);
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.value.length > limits.maxScalarLength) {
        const message = `scalar of ${node.value.length} characters, over the limit of ${limits.maxScalarLength}`;
        return { aliasTargets, problem: hostile(message, node) };
      }
      continue;
    }
    if (!isCollection(node)) continue;
    if (depth > limits.maxDepth) {
      return {
        aliasTargets,
        problem: hostile(`collections nest deeper than ${limits.maxDepth} levels`, node),
      };
    }
    const duplicate = isMap(node) ? duplicateKey(node, aliasTargets) : undefined;
    if (duplicate) return { aliasTargets, problem: syntax('Map keys must be unique', duplicate) };
    if (isMap(node) && node.items.some((pair) => isAlias(pair.key))) aliasKeyed.push(node);
    pushChildren(node, depth + 1, stack);
  }
  for (const map of aliasKeyed) {
    const duplicate = duplicateKey(map, aliasTargets);
    if (duplicate) return { aliasTargets, problem: syntax('Map keys must be unique', duplicate) };
  }
  if (aliasTargets.size === 0) return { aliasTargets };
  const problem = measureExpansion(root, aliasTargets, limits.maxAliasExpansion);
  return problem ? { aliasTargets, problem } : { aliasTargets };
}

function pushChildren(node: Node, depth: number, stack: Array<{ node: Node; depth: number }>): void {
  const items = (node as { items: unknown[] }).items;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (isPair(item)) {
      if (item.value && typeof item.value === 'object') stack.push({ node: item.value as Node, depth });
      if (item.key && typeof item.key === 'object') stack.push({ node: item.key as Node, depth });
    } else if (item && typeof item === 'object') {
      stack.push({ node: item as Node, depth });
    }
  }
}

/**
 * The first key of a mapping equal to an earlier one, with the parser's notion of equality (scalars
 * by value, other nodes by identity), found in one pass. An alias key is its anchor's node, as every
 * reader takes it (`*id : x` after `&id unique_id: y` repeats unique_id); one not resolved yet is skipped.
 */
function duplicateKey(map: YAMLMap, aliasTargets: Map<Alias, Node>): Node | undefined {
  const seen = new Set<unknown>();
  for (const pair of map.items) {
    const key = isAlias(pair.key) ? aliasTargets.get(pair.key) : pair.key;
    if (!key || typeof key !== 'object') continue;
    if (!isScalar(key)) {
      if (seen.has(key)) return pair.key as Node;
      seen.add(key);
      continue;
    }
    const value = comparedKey(key);
    // NaN is never equal to itself for the parser; a set would call two of them equal.
    if (typeof value === 'number' && Number.isNaN(value)) continue;
    if (seen.has(value)) return pair.key as Node;
    seen.add(value);
  }
  return undefined;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** A key's value for comparison: integers beyond a number's exact range by their exact value. */
function comparedKey(key: Scalar): unknown {
  const exact = typeof key.value === 'number' ? exactInteger(key) : undefined;
  if (exact === undefined || (exact <= MAX_EXACT && exact >= -MAX_EXACT)) return key.value;
  return exact;
}

/** Counts the nodes that expanding every alias would produce; circular aliases count as hostile. */
function measureExpansion(root: Node, targets: Map<Alias, Node>, max: number): WalkProblem | undefined {
  const sizes = new Map<Node, number>();
  const stack: Array<{ node: Node; exit: boolean }> = [{ node: root, exit: false }];
  let expansion = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { node } = frame;
    if (isAlias(node)) {
      const target = targets.get(node);
      const size = target ? sizes.get(target) : 1;
      if (size === undefined) return hostile(`alias *${node.source} refers to its own ancestor`, node);
      expansion += size;
      if (expansion > max) {
        return hostile(`aliases expand to more than ${max} nodes (alias bomb)`, node);
      }
      sizes.set(node, size);
    } else if (!isCollection(node)) {
      sizes.set(node, 1);
    } else if (!frame.exit) {
      stack.push({ node, exit: true });
      const children: Array<{ node: Node; depth: number }> = [];
      pushChildren(node, 0, children);
      for (const child of children) stack.push({ node: child.node, exit: false });
    } else {
      const children: Array<{ node: Node; depth: number }> = [];
      pushChildren(node, 0, children);
      let size = 1;
      for (const child of children) size += sizes.get(child.node) ?? 1;
      sizes.set(node, size);
    }
  }
  return undefined;
}

function hostile(message: string, node: Node): WalkProblem {
  return { kind: 'hostile', message, ...spanOf(node) };
}

function syntax(message: string, node: Node): WalkProblem {
  return { kind: 'syntax', message, ...spanOf(node) };
}

function spanOf(node: Node): { offset: number; endOffset?: number } {
  const offset = node.range?.[0] ?? 0;
  const end = endOf(node);
  return end !== undefined && end > offset ? { offset, endOffset: end } : { offset };
}
