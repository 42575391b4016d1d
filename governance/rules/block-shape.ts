import { isMap } from 'yaml';
import { at, type Rule } from '../lint/context.ts';
import { describe } from '../parse/nodes.ts';

export const blockShape: Rule = {
  code: 'QY011',
  name: 'block-not-mapping',
  severity: 'error',
  rationale: 'A governance block is a mapping of fields; anything else carries none of them.',
  checkFile(ctx, report) {
    for (const block of ctx.blocks.values()) {
      if (isMap(block.value)) continue;
      const node = block.value ?? block.key;
      report(at(node, block.name, `${block.name} must be a mapping, found ${describe(block.value)}`));
    }
  },
};
