import { isScalar } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { describe } from '../parse/nodes.ts';

export const vectorDim: Rule = {
  code: 'QY050',
  name: 'vector-dim',
  severity: 'error',
  rationale: 'coherence_vector_dim is the positive integer size of the alignment vector.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'vector_alignment_map', 'coherence_vector_dim');
    if (!ref) return;
    if (positiveInteger(ref.entry.value) !== undefined) return;
    report(
      at(
        ref.entry.value,
        ref.path,
        `coherence_vector_dim ${describe(ref.entry.value)} must be a positive integer`,
      ),
    );
  },
};

export function positiveInteger(node: unknown): number | undefined {
  if (!isScalar(node)) return undefined;
  const value = node.value;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
