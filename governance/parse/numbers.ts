import { isScalar, type Node, type Scalar } from 'yaml';

const INT_TAG = 'tag:yaml.org,2002:int';
// The integer forms of the YAML 1.2 core schema; `4.0` or `4e0` resolve to whole numbers but are floats.
const CORE_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const LEADING_ZERO = /^[-+]?0[0-9]/;
const OCTAL_PREFIX = /^0o/;
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_SHOWN = 80;

/** What a scalar written as a YAML integer denotes, read from its text rather than from a rounded number. */
export type IntegerReading = { ok: true; value: number } | { ok: false; problem: string };

/**
 * A scalar written as a YAML integer (not a float that happens to be whole), read exactly. Integers a
 * JavaScript number cannot hold exactly, decimals with a leading zero (octal to YAML 1.1 readers such
 * as kubectl's and PyYAML) and YAML 1.2 octal (`0o36`, text to PyYAML) are problems: the value checked
 * would not be the value every reader sees.
 */
export function readInteger(node: Node | null | undefined): IntegerReading | undefined {
  const exact = exactInteger(node);
  if (exact === undefined) return undefined;
  const text = (node as Scalar).source!.trim();
  if (exact > MAX_EXACT || exact < -MAX_EXACT) {
    const bound = `${exact < 0n ? '-' : ''}${MAX_EXACT}`;
    return { ok: false, problem: `is beyond the largest integer read exactly (${bound})` };
  }
  const plain = String(exact);
  if (LEADING_ZERO.test(text)) {
    return {
      ok: false,
      problem: `has a leading zero: YAML 1.2 reads ${plain}, YAML 1.1 readers read octal; write ${plain}`,
    };
  }
  if (OCTAL_PREFIX.test(text)) {
    return {
      ok: false,
      problem: `is YAML 1.2 octal: YAML 1.2 reads ${plain}, YAML 1.1 readers such as PyYAML read text; write ${plain}`,
    };
  }
  return { ok: true, value: Number(exact) };
}

/** The exact value of a scalar written as a YAML integer, from its text; undefined for anything else. */
export function exactInteger(node: Node | null | undefined): bigint | undefined {
  if (!isScalar(node) || typeof node.value !== 'number') return undefined;
  const text = (node.source ?? '').trim();
  const written = node.tag === undefined || node.tag === INT_TAG ? CORE_INT.test(text) : false;
  return written ? BigInt(text.replace(/^\+/, '')) : undefined;
}

/** A scalar written as a YAML integer and read exactly; undefined for anything else. */
export function integerValue(node: Node | null | undefined): number | undefined {
  const reading = readInteger(node);
  return reading?.ok ? reading.value : undefined;
}

/** A number other than .nan, .inf, -.inf or a literal too large to represent. */
export function isFiniteNumber(node: Node | null | undefined): boolean {
  return isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value);
}

/** How a numeric scalar was written (`4.0`, `.inf`), so messages quote the author's text, bounded. */
export function numberText(node: Node | null | undefined): string | undefined {
  if (!isScalar(node) || typeof node.value !== 'number') return undefined;
  return shorten(node.source ?? String(node.value));
}

/** Text for a message, cut (to `max` characters, `...` included) so one huge value never floods a report. */
export function shorten(text: string, max = MAX_SHOWN): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Items named in one message; a longer list (a policy's, a file's) is counted, not spelt out. */
const MAX_LISTED = 5;

/** A list for a message: at most MAX_LISTED items, each shortened, then how many more. */
export function shortList(items: readonly string[], separator: string): string {
  const shown = items
    .slice(0, MAX_LISTED)
    .map((item) => shorten(item))
    .join(separator);
  return items.length > MAX_LISTED ? `${shown} (and ${items.length - MAX_LISTED} more)` : shown;
}
