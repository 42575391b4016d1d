import { formatJson, formatSarif, formatText, lintFiles, type Policy, type SourceFile } from '../index.ts';
import type { Command } from './args.ts';
import { collectFiles } from './collect.ts';
import { readInput, STDIN_NAME, STDIN_PATH } from './io.ts';

export async function runLint(command: Extract<Command, { name: 'lint' }>, policy: Policy): Promise<number> {
  const paths = await collectFiles(command.paths, { stdin: true });
  if (paths.length === 0) throw new Error(`no .qyaml files found in ${command.paths.join(', ')}`);
  const sources: SourceFile[] = [];
  for (const path of paths) {
    const input = await readInput(path, policy.limits.maxFileBytes);
    sources.push({ path: path === STDIN_PATH ? STDIN_NAME : path, ...input });
  }
  const report = lintFiles(sources, policy);
  const output =
    command.format === 'json'
      ? formatJson(report)
      : command.format === 'sarif'
        ? formatSarif(report)
        : formatText(report, { sources: new Map(sources.map((s) => [s.path, s.content])) });
  process.stdout.write(output);
  return report.summary.errors > 0 ? 1 : 0;
}
