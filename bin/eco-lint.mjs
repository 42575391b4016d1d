#!/usr/bin/env node
// eco-lint: the governance .qyaml linter. The CLI is TypeScript run through Node's type stripping;
// a Node that cannot strip types (Node 20) hands the same command to the project's pinned Node 22.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REEXEC_MARK = 'ECO_LINT_REEXEC';

if (process.features?.typescript) {
  const { run } = await import('../governance/cli/main.ts');
  process.exitCode = await run(process.argv.slice(2));
} else if (process.env[REEXEC_MARK]) {
  console.error('eco-lint: this Node cannot run TypeScript; install Node >= 22.18');
  process.exitCode = 2;
} else {
  let node;
  try {
    node = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    console.error('eco-lint: Node >= 22.18 is required (the "node" devDependency is not installed)');
    process.exit(2);
  }
  const result = spawnSync(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_MARK]: '1' },
  });
  if (result.error) {
    console.error(`eco-lint: cannot start ${node}: ${result.error.message}`);
    process.exitCode = 2;
  } else {
    process.exitCode = result.status ?? 2;
  }
}
