import { isScalar, type Node } from 'yaml';

const YAML_TAG = 'tag:yaml.org,2002:';
const STR_TAG = `${YAML_TAG}str`;

/**
 * The YAML 1.2 core schema's tags and the YAML 1.1 types readers still know. A value under one of
 * them is read as that type; one that does not fit it is refused by every reader but this parser,
 * which keeps the text with a warning.
 */
export const STANDARD_TAGS = new Set(
  [
    'str',
    'int',
    'float',
    'bool',
    'null',
    'map',
    'seq',
    'binary',
    'set',
    'omap',
    'pairs',
    'timestamp',
    'merge',
  ].map((name) => `${YAML_TAG}${name}`),
);

/** `!!int` for the standard tag `tag:yaml.org,2002:int`, any other tag as it is. */
export function shortTag(tag: string): string {
  return tag.startsWith(YAML_TAG) ? `!!${tag.slice(YAML_TAG.length)}` : tag;
}

/**
 * A scalar under an explicit standard tag other than `!!str` (`!!int platform-team`, `!!bool yes`):
 * not text to any reader, even when this parser, unable to read it as that type, keeps its text.
 */
export function hasNonTextTag(node: Node | null): boolean {
  return isScalar(node) && node.tag !== undefined && node.tag !== STR_TAG && STANDARD_TAGS.has(node.tag);
}
