import { isScalar } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { describe } from '../parse/nodes.ts';
import { integerValue, numberText, readInteger } from '../parse/numbers.ts';

export const vectorDim: Rule = {
  code: 'QY050',
  name: 'vector-dim',
  severity: 'error',
  rationale: 'coherence_vector_dim is the positive integer size of the alignment vector.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'vector_alignment_map', 'coherence_vector_dim');
    if (!ref) return;
    if (positiveInteger(ref.entry.value) !== undefined) return;
    const reading = readInteger(ref.entry.value);
    const problem = reading && !reading.ok ? reading.problem : 'must be a positive integer';
    const shown = numberText(ref.entry.value) ?? describe(ref.entry.value);
    report(at(ref.entry.value, ref.path, `coherence_vector_dim ${shown} ${problem}`));
  },
};

/** The value of a scalar written as a YAML integer above 0; `4.0` is a float and does not count. */
export function positiveInteger(node: unknown): number | undefined {
  if (!isScalar(node)) return undefined;
  const value = integerValue(node);
  return value !== undefined && value > 0 ? value : undefined;
}
