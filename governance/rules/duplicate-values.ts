import { at, type FileContext, field, type RunReport } from '../lint/context.ts';
import { lineOf } from '../lint/position.ts';
import { stringValue } from '../parse/nodes.ts';
import { idKey } from './unique-id.ts';

/** Reports every occurrence of a document_metadata value after its first one in the run. */
export function reportDuplicates(files: FileContext[], key: 'unique_id' | 'uri', report: RunReport): void {
  const first = new Map<string, { file: FileContext; line: number }>();
  for (const ctx of files) {
    const ref = field(ctx, 'document_metadata', key);
    const value = ref ? stringValue(ref.entry.value) : undefined;
    if (!ref || value === undefined) continue;
    const line = lineOf(ctx.file, ref.entry.value.range?.[0] ?? 0);
    const compared = key === 'unique_id' ? idKey(value) : value;
    const seen = first.get(compared);
    if (!seen) {
      first.set(compared, { file: ctx, line });
      continue;
    }
    const where = seen.file === ctx ? `line ${seen.line}` : `${seen.file.file.path}:${seen.line}`;
    report(ctx, at(ref.entry.value, ref.path, `${key} "${value}" is already used by ${where}`));
  }
}
