import { isMap } from 'yaml';
import { at, type Rule } from '../lint/context.ts';
import { BLOCK_FIELDS } from '../lint/fields.ts';
import { getEntry, isBlank } from '../parse/nodes.ts';

export const requiredField: Rule = {
  code: 'QY013',
  name: 'required-field',
  severity: 'error',
  rationale:
    'Required fields identify, own, register and align the resource; without them the block is void.',
  checkFile(ctx, report) {
    for (const block of ctx.blocks.values()) {
      if (!isMap(block.value)) continue;
      for (const [name, spec] of Object.entries(BLOCK_FIELDS[block.name])) {
        if (!spec.required) continue;
        const entry = getEntry(block.value, name, block.deref);
        const path = `${block.name}.${name}`;
        if (!entry) report(at(block.key, path, `${block.name} is missing required field ${name}`));
        else if (isBlank(entry.value)) report(at(entry.key, path, `${path} is empty`));
      }
    }
  },
};
