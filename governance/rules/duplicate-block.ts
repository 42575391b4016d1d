import { at, type Rule } from '../lint/context.ts';
import { lineOf } from '../lint/position.ts';

export const duplicateBlock: Rule = {
  code: 'QY012',
  name: 'duplicate-block',
  severity: 'error',
  rationale: 'A block declared twice in one file is ambiguous; only the first one is checked.',
  checkFile(ctx, report) {
    for (const occurrence of ctx.occurrences) {
      const first = ctx.blocks.get(occurrence.name);
      if (!first || first === occurrence) continue;
      const line = lineOf(ctx.file, first.key.range?.[0] ?? 0);
      report(
        at(occurrence.key, occurrence.name, `${occurrence.name} is declared again (first at line ${line})`),
      );
    }
  },
};
