import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { type Policy, stripGovernance } from '../index.ts';
import type { Command } from './args.ts';
import { collectFiles } from './collect.ts';
import { readText } from './io.ts';

/** Writes each input as plain Kubernetes YAML (`.qyaml` → `.yaml`), mirroring directory layout. */
export async function runConvert(
  command: Extract<Command, { name: 'convert' }>,
  policy: Policy,
): Promise<number> {
  let failed = false;
  for (const input of command.paths) {
    const isDir = (await stat(input).catch(() => undefined))?.isDirectory() ?? false;
    for (const path of await collectFiles([input])) {
      const source = await readText(path);
      if (source.length > policy.limits.maxFileBytes) {
        process.stderr.write(`${path}: over the size limit of ${policy.limits.maxFileBytes} characters\n`);
        failed = true;
        continue;
      }
      const result = stripGovernance(source);
      if (!result.ok) {
        process.stderr.write(`${path}:${result.line}:${result.column}: cannot convert: ${result.error}\n`);
        failed = true;
        continue;
      }
      const name = isDir ? relative(input, path) : basename(path);
      const target = join(command.out, name.replace(/\.qyaml$/, '') + '.yaml');
      if (result.documents === 0) {
        process.stderr.write(`${path}: no Kubernetes documents left, skipped\n`);
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, result.output);
      process.stdout.write(`${path} -> ${target} (${result.documents} documents)\n`);
    }
  }
  return failed ? 1 : 0;
}
