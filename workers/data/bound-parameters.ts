/** D1 binds at most 100 parameters per statement; a statement with more fails as a whole. */
export const MAX_BOUND_PARAMETERS = 100;

/** `values` in slices small enough for one statement each. */
export function parameterSlices<T>(values: readonly T[]): T[][] {
  const slices: T[][] = [];
  for (let i = 0; i < values.length; i += MAX_BOUND_PARAMETERS)
    slices.push(values.slice(i, i + MAX_BOUND_PARAMETERS));
  return slices;
}
