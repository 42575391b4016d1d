import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { type Policy, stripGovernance } from '../index.ts';
import type { Command } from './args.ts';
import { collectFiles } from './collect.ts';
import { inputIdentities, outputIdentity } from './file-identity.ts';
import { globBase, isGlob } from './glob.ts';
import { readInput } from './io.ts';

type ConvertCommand = Extract<Command, { name: 'convert' }>;

/** Writes each input as plain Kubernetes YAML (`.qyaml` → `.yaml`), mirroring directory layout. */
export async function runConvert(command: ConvertCommand, policy: Policy): Promise<number> {
  const targets = await plan(command);
  await checkTargets(command, targets);
  let failed = false;
  for (const [path, target] of targets) {
    const input = await readInput(path, policy.limits.maxFileBytes);
    if (input.unreadBytes !== undefined) {
      const limit = policy.limits.maxFileBytes;
      process.stderr.write(
        `${path}: cannot convert: file is ${input.unreadBytes} bytes, over the limit of ${limit} characters\n`,
      );
      failed = true;
      continue;
    }
    const result = stripGovernance(input.content, policy.limits);
    if (!result.ok) {
      process.stderr.write(`${path}:${result.line}:${result.column}: cannot convert: ${result.error}\n`);
      failed = true;
      continue;
    }
    if (result.documents === 0) {
      process.stderr.write(`${path}: no Kubernetes documents left, skipped\n`);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, result.output);
    process.stdout.write(`${path} -> ${target} (${result.documents} documents)\n`);
  }
  return failed ? 1 : 0;
}

/** Every input file with its output path; refused as a whole when an input yields no file. */
async function plan(command: ConvertCommand): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  for (const input of command.paths) {
    const isDir = (await stat(input).catch(() => undefined))?.isDirectory() ?? false;
    const root = isDir ? input : isGlob(input) ? globBase(input) : undefined;
    const paths = await collectFiles([input]);
    if (paths.length === 0) throw new Error(`no .qyaml files found in ${input}`);
    for (const path of paths) {
      // A file covered by two inputs keeps the output of the first one.
      if (targets.has(path)) continue;
      const name = root === undefined ? basename(path) : relative(root, path);
      targets.set(path, join(command.out, `${name.replace(/\.qyaml$/, '')}.yaml`));
    }
  }
  return targets;
}

/**
 * Refuses the run before anything is written when an output would overwrite an input (a converted
 * file, or the policy) or another output: a user's file must never be lost to a path mix-up.
 */
async function checkTargets(command: ConvertCommand, targets: ReadonlyMap<string, string>): Promise<void> {
  const inputs = await inputIdentities([...targets.keys(), ...(command.policy ? [command.policy] : [])]);
  const out = await outputIdentity(command.out);
  if (out.exists && !out.isDirectory) {
    const what = inputs.has(out.id) ? 'an input file, not a directory' : 'not a directory';
    throw new Error(`--out ${command.out} is ${what}`);
  }
  const written = new Map<string, { path: string; target: string }>();
  for (const [path, target] of targets) {
    const output = await outputIdentity(target);
    if (inputs.has(output.id)) {
      throw new Error(`${path} would be written to ${target}, which is an input; choose another --out`);
    }
    if (output.isDirectory) throw new Error(`${path} would be written to ${target}, which is a directory`);
    const other = written.get(output.id);
    if (other) throw new Error(`${other.path} and ${path} would both be written to ${other.target}`);
    written.set(output.id, { path, target });
  }
}
