import { at, type RunField, type RunFile, type RunReport } from '../lint/context.ts';
import { lineOf } from '../lint/position.ts';
import { stringValue } from '../parse/nodes.ts';
import { shorten } from '../parse/numbers.ts';
import { idKey } from './unique-id.ts';

/** Reports every occurrence of a document_metadata value after its first one in the run. */
export function reportDuplicates(files: RunFile[], key: RunField, report: RunReport): void {
  const first = new Map<string, { file: RunFile; line: number }>();
  for (const ctx of files) {
    const ref = ctx.fields.get(key);
    const value = ref ? stringValue(ref.value) : undefined;
    if (!ref || value === undefined) continue;
    const line = lineOf(ctx.file, ref.value.range?.[0] ?? 0);
    const compared = key === 'unique_id' ? idKey(value) : value;
    const seen = first.get(compared);
    if (!seen) {
      first.set(compared, { file: ctx, line });
      continue;
    }
    const where = seen.file === ctx ? `line ${seen.line}` : `${seen.file.file.path}:${seen.line}`;
    report(ctx, at(ref.value, ref.path, `${key} "${shorten(value)}" is already used by ${where}`));
  }
}
