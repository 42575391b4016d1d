import { isScalar, type Node } from 'yaml';

// YAML 1.2 reads these plain scalars as text; YAML 1.1 readers (kubectl's, PyYAML) read booleans.
const YAML11_BOOLEANS = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
]);

/** Text that YAML 1.1 readers read as a boolean when it is written plain. */
export function isYaml11Boolean(text: string): boolean {
  return YAML11_BOOLEANS.has(text);
}

/**
 * What is wrong with a text value written as a plain, untagged `no` or `on`: the value checked would
 * not be the value every reader sees. Undefined for any other node.
 */
export function yaml11BooleanProblem(node: Node | null | undefined): string | undefined {
  if (!isScalar(node) || node.type !== 'PLAIN' || node.tag !== undefined) return undefined;
  if (typeof node.value !== 'string' || !isYaml11Boolean(node.value)) return undefined;
  return `${node.value} is unquoted: YAML 1.2 reads text, YAML 1.1 readers read a boolean; quote it`;
}

/** The first item of a list of text that YAML 1.1 readers read as a boolean, with what is wrong. */
export function firstYaml11Boolean(items: readonly Node[]): { node: Node; problem: string } | undefined {
  for (const node of items) {
    const problem = yaml11BooleanProblem(node);
    if (problem) return { node, problem };
  }
  return undefined;
}
