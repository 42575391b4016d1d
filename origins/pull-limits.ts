/** Longest a model pull may take (pool option `pullTimeoutMs`): real pulls of large models take minutes. */
export const DEFAULT_PULL_MS = 10 * 60_000;

/** The pull limit a pool's options set, for engines that pull on demand. */
export function pullLimitMs(options: Record<string, unknown>): number {
  return typeof options.pullTimeoutMs === 'number' ? options.pullTimeoutMs : DEFAULT_PULL_MS;
}
