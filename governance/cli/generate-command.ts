import { writeFile } from 'node:fs/promises';
import { generateGovernance, type Policy } from '../index.ts';
import type { Command } from './args.ts';
import { readText } from './io.ts';

/** Prints (or writes to --out) the manifest followed by its freshly generated governance document. */
export async function runGenerate(
  command: Extract<Command, { name: 'generate' }>,
  policy: Policy,
): Promise<number> {
  const source = await readText(command.manifest);
  const result = generateGovernance(source, {
    policy,
    ...(command.namespace ? { namespace: command.namespace } : {}),
    ...(command.owner ? { owner: command.owner } : {}),
  });
  if (!result.ok) throw new Error(`${command.manifest}: ${result.error}`);
  if (command.out) {
    await writeFile(command.out, result.output);
    process.stderr.write(`${command.out}: governance for ${result.resource.kind}/${result.resource.name}\n`);
  } else {
    process.stdout.write(result.output);
  }
  return 0;
}
