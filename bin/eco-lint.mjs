#!/usr/bin/env node
// eco-lint: the governance .qyaml linter. The CLI is TypeScript run through Node's type stripping;
// a Node that cannot strip types (Node 20) hands the same command to the project's pinned Node 22.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REEXEC_MARK = 'ECO_LINT_REEXEC';

// A reader that goes away (`eco-lint | head`) wants no more output: that is no failure of the run,
// whose exit code still says what was found. Any other write error is an I/O error (exit 2).
let writeFailed = false;
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
  if (!writeFailed) console.error(`eco-lint: cannot write the report: ${error.message}`);
  writeFailed = true;
  process.exitCode = 2;
});

if (process.features?.typescript) {
  const { run } = await import('../governance/cli/main.ts');
  const code = await run(process.argv.slice(2));
  process.exitCode = writeFailed ? 2 : code;
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
