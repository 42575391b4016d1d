/** D1 binds at most 100 parameters per statement; a statement with more fails as a whole. */
export const MAX_BOUND_PARAMETERS = 100;

/** `values` in slices small enough for one statement each, each value binding `parametersEach`. */
export function parameterSlices<T>(values: readonly T[], parametersEach = 1): T[][] {
  const size = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / parametersEach));
  const slices: T[][] = [];
  for (let i = 0; i < values.length; i += size) slices.push(values.slice(i, i + size));
  return slices;
}
