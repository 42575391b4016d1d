import { TOOL_VERSION } from '../format/sarif.ts';
import { DEFAULT_POLICY, type Policy, parsePolicyText } from '../index.ts';
import { type Command, parseCommand, USAGE } from './args.ts';
import { runConvert } from './convert-command.ts';
import { runConvertStdin } from './convert-stdin.ts';
import { runGenerate } from './generate-command.ts';
import { readText } from './io.ts';
import { runLint } from './lint-command.ts';

export const EXIT_CLEAN = 0;
export const EXIT_ERRORS = 1;
export const EXIT_USAGE = 2;

/** Runs one eco-lint invocation and returns its exit code; never calls process.exit itself. */
export async function run(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    process.stderr.write(`eco-lint: ${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  try {
    if (command.name === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return EXIT_CLEAN;
    }
    if (command.name === 'version') {
      process.stdout.write(`eco-lint ${TOOL_VERSION}\n`);
      return EXIT_CLEAN;
    }
    const policy = await loadPolicy(command.policy);
    if (command.name === 'convert') return await runConvert(command, policy);
    if (command.name === 'convert-stdin') return await runConvertStdin(policy);
    if (command.name === 'generate') return await runGenerate(command, policy);
    return await runLint(command, policy);
  } catch (error) {
    process.stderr.write(`eco-lint: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
}

async function loadPolicy(path: string | undefined): Promise<Policy> {
  if (!path) return DEFAULT_POLICY;
  const result = parsePolicyText(await readText(path, DEFAULT_POLICY.limits.maxFileBytes));
  if (!result.ok) throw new Error(`${path}: ${result.error}`);
  return result.policy;
}
