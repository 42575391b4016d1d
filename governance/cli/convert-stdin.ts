import { type Policy, stripGovernance } from '../index.ts';
import { readInput, STDIN_NAME, STDIN_PATH } from './io.ts';

/**
 * `convert -`: standard input to standard output, for pipes (`… | eco-lint convert - | kubectl apply -f -`).
 * Only the YAML goes to standard output; what went wrong goes to standard error, with exit 1 as for a
 * file that cannot be converted, so a pipe never receives a partial or empty manifest silently.
 */
export async function runConvertStdin(policy: Policy): Promise<number> {
  const input = await readInput(STDIN_PATH, policy.limits.maxFileBytes);
  if (input.unreadBytes !== undefined) {
    const limit = policy.limits.maxFileBytes;
    process.stderr.write(
      `${STDIN_NAME}: cannot convert: input is ${input.unreadBytes} bytes, over the limit of ${limit} characters\n`,
    );
    return 1;
  }
  const result = stripGovernance(input.content, policy.limits);
  if (!result.ok) {
    process.stderr.write(`${STDIN_NAME}:${result.line}:${result.column}: cannot convert: ${result.error}\n`);
    return 1;
  }
  if (result.documents === 0) {
    process.stderr.write(`${STDIN_NAME}: no Kubernetes documents left\n`);
    return 0;
  }
  process.stdout.write(result.output);
  return 0;
}
