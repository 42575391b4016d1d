import { writeFile } from 'node:fs/promises';
import { generateGovernance, type Policy } from '../index.ts';
import type { Command } from './args.ts';
import { inputIdentities, outputIdentity } from './file-identity.ts';
import { readText } from './io.ts';

/** Prints (or writes to --out) the manifest followed by its freshly generated governance document. */
export async function runGenerate(
  command: Extract<Command, { name: 'generate' }>,
  policy: Policy,
): Promise<number> {
  if (command.out)
    await checkOut(command.out, [command.manifest, ...(command.policy ? [command.policy] : [])]);
  const source = await readText(command.manifest, policy.limits.maxFileBytes);
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

/** Refuses an --out that is the manifest or the policy (through any link) or a directory. */
async function checkOut(out: string, inputs: readonly string[]): Promise<void> {
  const target = await outputIdentity(out);
  if ((await inputIdentities(inputs)).has(target.id)) {
    throw new Error(`--out ${out} is an input; choose another file`);
  }
  if (target.isDirectory) throw new Error(`--out ${out} is a directory; name a file`);
}
