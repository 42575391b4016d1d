import { isScalar } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { describe, seqItems } from '../parse/nodes.ts';
import { positiveInteger } from './vector-dim.ts';

export const coherenceVector: Rule = {
  code: 'QY051',
  name: 'coherence-vector',
  severity: 'error',
  rationale: 'coherence_vector holds numbers, as many as coherence_vector_dim says, when it is given.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'vector_alignment_map', 'coherence_vector');
    if (!ref) return;
    const items = seqItems(ref.entry.value, ref.block.deref);
    if (!items) {
      report(
        at(
          ref.entry.value,
          ref.path,
          `coherence_vector must be a list of numbers, found ${describe(ref.entry.value)}`,
        ),
      );
      return;
    }
    const bad = items.find((item) => !(isScalar(item) && typeof item.value === 'number'));
    if (bad) {
      report(at(bad, ref.path, `coherence_vector item ${describe(bad)} is not a number`));
      return;
    }
    const dim = positiveInteger(field(ctx, 'vector_alignment_map', 'coherence_vector_dim')?.entry.value);
    if (items.length > 0 && dim !== undefined && items.length !== dim) {
      const message = `coherence_vector has ${items.length} values but coherence_vector_dim is ${dim}`;
      report(at(ref.entry.value, ref.path, message));
    }
  },
};
