import { isMap } from 'yaml';
import { at, type Rule } from '../lint/context.ts';
import { BLOCK_FIELDS } from '../lint/fields.ts';
import { entries } from '../parse/nodes.ts';

export const unknownKey: Rule = {
  code: 'QY014',
  name: 'unknown-key',
  severity: 'warning',
  rationale: 'A key outside the specification is usually a typo or a field placed in the wrong block.',
  checkFile(ctx, report) {
    for (const block of ctx.blocks.values()) {
      if (!isMap(block.value)) continue;
      const known = BLOCK_FIELDS[block.name];
      for (const { key } of entries(block.value, block.deref)) {
        const name = String(key.value);
        if (Object.hasOwn(known, name)) continue;
        report(at(key, `${block.name}.${name}`, `unknown key ${name} in ${block.name}`));
      }
    }
  },
};
