// Governance linter throughput on the .qyaml corpus, beside the floor measured in the same run: the
// yaml package's parseAllDocuments with a LineCounter plus toJS on the same input. Run it with the
// project's Node 22 (node_modules/.bin/node), which strips the linter's TypeScript types.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseAllDocuments } from 'yaml';
import { lintFiles } from '../../governance/index.ts';

const DEFAULT_CORPUS = fileURLToPath(new URL('../../../shared/fixtures/qyaml-corpus', import.meta.url));

function corpusFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return corpusFiles(path);
    return entry.name.endsWith('.qyaml') ? [path] : [];
  });
}

function floor(sources) {
  for (const { content } of sources) {
    const lineCounter = new LineCounter();
    for (const doc of parseAllDocuments(content, { lineCounter })) doc.toJS({ maxAliasCount: 100 });
  }
}

function lint(sources) {
  lintFiles(sources);
}

/** Median time of `iterations` runs, after `warmup` runs that let the JIT settle. */
function measure(fn, sources, iterations, warmup) {
  for (let i = 0; i < warmup; i++) fn(sources);
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    fn(sources);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function runGovernanceBench({
  log = console.log,
  corpus = DEFAULT_CORPUS,
  repeat = 20,
  iterations = 15,
} = {}) {
  const base = corpusFiles(corpus).map((path) => ({ path, content: readFileSync(path, 'utf8') }));
  // The corpus repeated in memory, with distinct paths so each copy is a file of its own.
  const sources = Array.from({ length: repeat }, (_, copy) =>
    base.map((s) => ({ ...s, path: `${copy}/${s.path}` })),
  ).flat();
  const bytes = sources.reduce((sum, s) => sum + Buffer.byteLength(s.content), 0);
  const files = sources.length;
  const warmup = 3;
  // Interleave so both sides see the same machine state.
  const floorMs = measure(floor, sources, iterations, warmup);
  const lintMs = measure(lint, sources, iterations, warmup);
  const rate = (ms) => ({ filesPerSec: files / (ms / 1000), mbPerSec: bytes / 1e6 / (ms / 1000) });
  const result = {
    files,
    bytes,
    iterations,
    linter: { ms: lintMs, ...rate(lintMs) },
    floor: { ms: floorMs, ...rate(floorMs) },
    ratio: lintMs / floorMs,
    target: 2,
  };
  const row = (name, r) =>
    `${name.padEnd(34)} ${r.ms.toFixed(1).padStart(8)} ms ${r.filesPerSec.toFixed(0).padStart(8)} files/s ${r.mbPerSec.toFixed(2).padStart(7)} MB/s`;
  log(
    `governance bench: ${files} files (corpus x${repeat}), ${(bytes / 1e6).toFixed(2)} MB, median of ${iterations}`,
  );
  log(row('eco-lint (lintFiles)', result.linter));
  log(row('floor (parseAllDocuments + toJS)', result.floor));
  log(
    `ratio linter/floor: ${result.ratio.toFixed(2)}x (target < ${result.target}x) ${result.ratio < 2 ? 'OK' : 'OVER'}`,
  );
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = runGovernanceBench();
  process.exitCode = result.ratio < result.target ? 0 : 1;
}
