import { isMap } from 'yaml';
import { at, type Rule } from '../lint/context.ts';
import { BLOCK_FIELDS } from '../lint/fields.ts';
import { entries } from '../parse/nodes.ts';
import { shorten } from '../parse/numbers.ts';

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
        // YAML 1.2 has no merge keys; the fields an author meant to merge in are missing (QY013).
        const message =
          name === '<<'
            ? `merge key << in ${block.name} is not supported (YAML 1.2 reads it as an ordinary key); write the fields out`
            : `unknown key ${shorten(name)} in ${block.name}`;
        report(at(key, `${block.name}.${shorten(name)}`, message));
      }
    }
  },
};
