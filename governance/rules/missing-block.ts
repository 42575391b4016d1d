import type { Rule } from '../lint/context.ts';
import { BLOCK_NAMES } from '../parse/blocks.ts';

export const missingBlock: Rule = {
  code: 'QY010',
  name: 'missing-block',
  severity: 'error',
  rationale:
    'Every manifest file carries all four governance blocks, so every resource is owned and registered.',
  checkFile(ctx, report) {
    // A document that did not parse may hold the block: the parse error already fails the file.
    if (ctx.file.problems.length > 0) return;
    const anchor = ctx.occurrences[0]?.key.range?.[0] ?? 0;
    for (const name of BLOCK_NAMES) {
      if (!ctx.blocks.has(name))
        report({ message: `missing governance block ${name}`, path: name, offset: anchor });
    }
  },
};
