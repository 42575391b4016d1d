/** A report that may be attempted more than once (every error path calls it) but must count once. */
export function once<A extends unknown[]>(
  report: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  let done = false;
  return async (...args) => {
    if (done) return;
    done = true;
    return report(...args);
  };
}
