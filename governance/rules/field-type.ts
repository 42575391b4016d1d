import { isMap, isScalar, type Node } from 'yaml';
import { at, type Rule } from '../lint/context.ts';
import { BLOCK_FIELDS, type FieldKind } from '../lint/fields.ts';
import { type Deref, describe, getEntry, isBlank, seqItems } from '../parse/nodes.ts';
import { hasNonTextTag } from '../parse/tags.ts';
import { firstYaml11Boolean, yaml11BooleanProblem } from '../parse/yaml11.ts';

export const fieldType: Rule = {
  code: 'QY015',
  name: 'field-type',
  severity: 'error',
  rationale: 'Consumers read these fields as text or lists of text; another type breaks them silently.',
  checkFile(ctx, report) {
    for (const block of ctx.blocks.values()) {
      if (!isMap(block.value)) continue;
      for (const [name, spec] of Object.entries(BLOCK_FIELDS[block.name])) {
        if (spec.kind === 'own') continue;
        const entry = getEntry(block.value, name, block.deref);
        if (!entry || isBlank(entry.value)) continue;
        const path = `${block.name}.${name}`;
        const problem = typeProblem(entry.value!, spec.kind, block.deref);
        if (problem) report(at(entry.value!, path, `${path} ${problem}`));
      }
    }
  },
};

function typeProblem(value: Node, kind: FieldKind, deref: Deref): string | undefined {
  const isText = isTextScalar(value);
  if (kind === 'string')
    return isText ? yaml11BooleanProblem(value) : `must be a string, found ${describe(value)}`;
  const items = seqItems(value, deref);
  if (kind === 'string-or-list' && isText) return yaml11BooleanProblem(value);
  const expected = kind === 'string-list' ? 'a list of strings' : 'a string or a list of strings';
  if (!items) return `must be ${expected}, found ${describe(value)}`;
  const bad = items.find((item) => !isTextScalar(item));
  if (bad) return `must be ${expected}, found item ${describe(bad)}`;
  const boolean = firstYaml11Boolean(items);
  return boolean ? `item ${boolean.problem}` : undefined;
}

/** Text to every reader: `!!int abc` holds text here only because the parser could not read it. */
function isTextScalar(node: Node): boolean {
  return isScalar(node) && typeof node.value === 'string' && !hasNonTextTag(node);
}
