import { isScalar, type Node } from 'yaml';

const INT_TAG = 'tag:yaml.org,2002:int';
// The integer forms of the YAML 1.2 core schema; `4.0` or `4e0` resolve to whole numbers but are floats.
const CORE_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;

/** A scalar written as a YAML integer (not a float that happens to be whole). */
export function integerValue(node: Node | null | undefined): number | undefined {
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isInteger(node.value)) return undefined;
  const written = node.tag === undefined ? CORE_INT.test(node.source ?? '') : node.tag === INT_TAG;
  return written ? node.value : undefined;
}

/** A number other than .nan, .inf, -.inf or a literal too large to represent. */
export function isFiniteNumber(node: Node | null | undefined): boolean {
  return isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value);
}

/** How a numeric scalar was written (`4.0`, `.inf`), so messages quote the author's text. */
export function numberText(node: Node | null | undefined): string | undefined {
  if (!isScalar(node) || typeof node.value !== 'number') return undefined;
  return node.source ?? String(node.value);
}
