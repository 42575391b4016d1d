import { isScalar } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { describe, seqItems } from '../parse/nodes.ts';
import { isFiniteNumber, numberText } from '../parse/numbers.ts';
import { positiveInteger } from './vector-dim.ts';

export const coherenceVector: Rule = {
  code: 'QY051',
  name: 'coherence-vector',
  severity: 'error',
  rationale: 'coherence_vector holds finite numbers, as many as coherence_vector_dim says, when it is given.',
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
    // .nan and .inf are YAML floats, but no alignment model produces them.
    const infinite = items.find((item) => !isFiniteNumber(item));
    if (infinite) {
      report(at(infinite, ref.path, `coherence_vector item ${numberText(infinite)} is not a finite number`));
      return;
    }
    const dim = positiveInteger(field(ctx, 'vector_alignment_map', 'coherence_vector_dim')?.entry.value);
    if (items.length > 0 && dim !== undefined && items.length !== dim) {
      const message = `coherence_vector has ${items.length} values but coherence_vector_dim is ${dim}`;
      report(at(ref.entry.value, ref.path, message));
    }
  },
};
