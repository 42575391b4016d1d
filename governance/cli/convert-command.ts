import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { type Policy, stripGovernance } from '../index.ts';
import type { Command } from './args.ts';
import { collectFiles } from './collect.ts';
import { globBase, isGlob } from './glob.ts';
import { readText } from './io.ts';

/** Writes each input as plain Kubernetes YAML (`.qyaml` → `.yaml`), mirroring directory layout. */
export async function runConvert(
  command: Extract<Command, { name: 'convert' }>,
  policy: Policy,
): Promise<number> {
  let failed = false;
  for (const [path, target] of await plan(command)) {
    const result = stripGovernance(await readText(path), policy.limits);
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

/** Every input file with its output path; refused as a whole when nothing matches or two collide. */
async function plan(command: Extract<Command, { name: 'convert' }>): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  const sources = new Map<string, string>();
  for (const input of command.paths) {
    const isDir = (await stat(input).catch(() => undefined))?.isDirectory() ?? false;
    const root = isDir ? input : isGlob(input) ? globBase(input) : undefined;
    const paths = await collectFiles([input]);
    if (paths.length === 0) throw new Error(`no .qyaml files found in ${input}`);
    for (const path of paths) {
      const name = root === undefined ? basename(path) : relative(root, path);
      const target = join(command.out, `${name.replace(/\.qyaml$/, '')}.yaml`);
      const other = sources.get(target);
      if (other !== undefined && other !== path) {
        throw new Error(`${other} and ${path} would both be written to ${target}`);
      }
      sources.set(target, path);
      targets.set(path, target);
    }
  }
  return targets;
}
