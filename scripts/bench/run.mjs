#!/usr/bin/env node
/**
 * `npm run bench`: the gateway measured the way production runs it (one workerd process, via
 * Miniflare's API) beside, in the same run, the emulated origin direct and a passthrough Worker in the
 * same kind of process (the floor). Prints ratios to the floor, then the subsystem benchmarks.
 * Loopback only; every loop is bounded by time and count. BENCH_SECONDS sets the seconds per cell.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstJsonLine, freePort, ROOT, runInGroup, start, stopGroup } from '../lib/procs.mjs';
import { closedLoop, firstContentTimes, percentiles } from './lib/load.mjs';
import { groupStats, selfCpuMs } from './lib/proc-stats.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
/** BENCH_ONLY=json,sse,ttfb,slope,subsystems runs a subset (for quick comparisons while tuning). */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'json,sse,ttfb,slope,subsystems').split(','));
/** Streams per first-line cell at c=1 (BENCH_TTFB_COUNT; four times as many at c=64): the p99 of 1,000 is the tenth-slowest. */
const TTFB_COUNT = Number(process.env.BENCH_TTFB_COUNT ?? 1000);
/** JSON, streaming and first-line cells run in this many interleaved rounds (BENCH_ROUNDS); a JSON or streaming round is SECONDS / 2 long. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const EMULATOR_TTFT_MS = 20;
const KEY = 'eco_sk_bench_0123456789abcdef0123456789abcdef';
const out = (line = '') => process.stdout.write(`${line}\n`);
const log = (line) => process.stderr.write(`[bench] ${line}\n`);
/** Every child started, each the leader of a process group of its own: a stop signals every group. */
const children = new Set();
const runTracked = (cmd, args, options) => runInGroup(children, cmd, args, options);

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'eco-bench-'));
  try {
    log('building the gateway bundle (wrangler deploy --dry-run)');
    await runTracked('wrangler', ['deploy', '--dry-run', '--outdir', join(dir, 'bundle')]);

    const emulatorPort = await freePort();
    const emulator = start('node', ['origins/emulator/main.ts'], {
      env: { ECO_EMULATOR_PORT: String(emulatorPort), ECO_EMULATOR_ORIGINS: 'vllm:1' },
    });
    children.add(emulator);
    const announced = await firstJsonLine(emulator);
    emulator.stdout.resume();
    const origin = announced.origins[0].url;
    const control = announced.controlUrl;

    const floor = await serve({ target: 'floor', origin });
    const relay = await serve({ target: 'relay', origin });
    const socketRelay = await serve({ target: 'socket-relay', origin });
    const gateway = await serve({ target: 'gateway', origin, bundle: join(dir, 'bundle'), key: KEY });
    const socketGateway = await serve({
      target: 'gateway',
      origin,
      bundle: join(dir, 'bundle'),
      key: KEY,
      'stream-transport': 'socket',
    });
    const targets = [
      { name: 'emulator direct', url: `${origin}/v1/chat/completions`, group: null, model: 'bench-engine' },
      {
        name: 'floor (passthrough Worker)',
        url: `${floor.url}/v1/chat/completions`,
        group: floor.pgid,
        model: 'bench-engine',
      },
      {
        name: 'JS relay (reads and writes each chunk, nothing else)',
        url: `${relay.url}/v1/chat/completions`,
        group: relay.pgid,
        model: 'bench-engine',
      },
      {
        // What the gateway's socket transport could cost at the least; its JSON cells would say nothing.
        name: 'socket relay (own TCP connection, reads and writes each chunk, nothing else)',
        url: `${socketRelay.url}/v1/chat/completions`,
        group: socketRelay.pgid,
        model: 'bench-engine',
        streamsOnly: true,
      },
      {
        name: 'gateway (auth, limits, admission, usage), streams over fetch',
        url: `${gateway.url}/v1/chat/completions`,
        group: gateway.pgid,
        model: 'bench-model',
      },
      {
        // Non-stream calls take the same path as the row above, so the JSON cells skip it.
        name: 'gateway, streams over sockets (`streamTransport: socket`)',
        url: `${socketGateway.url}/v1/chat/completions`,
        group: socketGateway.pgid,
        model: 'bench-model',
        streamsOnly: true,
      },
    ];
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
    const body = (t, extra = {}) =>
      JSON.stringify({ model: t.model, messages: [{ role: 'user', content: 'benchmark prompt' }], ...extra });
    const settings = (s) =>
      fetch(`${control}/_control/settings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(s),
      });

    await settings({ tokensPerSecond: 0, ttftMs: 0, answerTokens: 20 });
    for (const t of targets) await sanity(t, headers, body);

    const cpu = (t) => (t.group ? groupStats(t.group).cpuMs : 0);
    const emulatorCpu = () => groupStats(emulator.pid).cpuMs;
    const results = {};

    // 1. Non-stream JSON at concurrency 1 and 64: ROUNDS rounds, targets interleaved in each, so
    // drift on the shared machine hits every target alike; figures are the medians of the rounds.
    const jsonTargets = targets.filter((t) => !t.streamsOnly);
    for (const c of ONLY.has('json') ? [1, 64] : []) {
      const rounds = Object.fromEntries(jsonTargets.map((t) => [t.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of jsonTargets) {
          await closedLoop({ url: t.url, body: body(t), headers, concurrency: c, durationMs: 300 });
          const [c0, e0, l0] = [cpu(t), emulatorCpu(), selfCpuMs()];
          const r = await closedLoop({
            url: t.url,
            body: body(t),
            headers,
            concurrency: c,
            durationMs: (SECONDS * 1000) / 2,
          });
          r.cpuMsPerReq = (cpu(t) - c0) / r.ok;
          r.emulatorCpuMsPerReq = (emulatorCpu() - e0) / r.ok;
          r.loadgenCpuMsPerReq = (selfCpuMs() - l0) / r.ok;
          rounds[t.name].push(r);
        }
      }
      for (const t of jsonTargets) {
        const r = medianOfRounds(rounds[t.name]);
        results[`json c${c} ${t.name}`] = r;
        log(`json c=${c} ${t.name}: ${r.rps.toFixed(0)} req/s, ${f(r.cpuMsPerReq, 3)} ms CPU/req`);
      }
    }
    // 2. Streaming at concurrency 64 (20 content events per stream), in interleaved rounds as for JSON.
    if (ONLY.has('sse')) {
      const b = (t) => body(t, { stream: true, stream_options: { include_usage: true } });
      const rounds = Object.fromEntries(targets.map((t) => [t.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of targets) {
          await closedLoop({ url: t.url, body: b(t), headers, concurrency: 64, durationMs: 300 });
          const c0 = cpu(t);
          const r = await closedLoop({
            url: t.url,
            body: b(t),
            headers,
            concurrency: 64,
            durationMs: (SECONDS * 1000) / 2,
          });
          r.cpuMsPerReq = (cpu(t) - c0) / r.ok;
          rounds[t.name].push(r);
        }
      }
      for (const t of targets) {
        const r = medianOfRounds(rounds[t.name]);
        results[`sse c64 ${t.name}`] = r;
        log(`sse c=64 ${t.name}: ${r.rps.toFixed(0)} req/s, ${f(r.cpuMsPerReq, 3)} ms CPU/req`);
      }
    }
    // 3. Time to the first content line, emulator TTFT fixed.
    await settings({ tokensPerSecond: 0, ttftMs: EMULATOR_TTFT_MS, answerTokens: 20 });
    // Interleaved rounds as for JSON; the percentiles are over every round's samples together.
    for (const c of ONLY.has('ttfb') ? [1, 64] : []) {
      const samples = Object.fromEntries(targets.map((t) => [t.name, { times: [], failed: 0 }]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const t of targets) {
          // Unmeasured streams first, as the JSON rounds warm up: the figure is the steady state, not
          // the first request after the other targets' rounds left this one idle.
          await firstContentTimes({
            url: t.url,
            body: body(t, { stream: true }),
            headers,
            concurrency: c,
            count: c * 4,
          });
          const r = await firstContentTimes({
            url: t.url,
            body: body(t, { stream: true }),
            headers,
            concurrency: c,
            count: Math.ceil((c === 1 ? TTFB_COUNT : TTFB_COUNT * 4) / ROUNDS),
          });
          samples[t.name].times.push(...r.times);
          samples[t.name].failed += r.failed;
        }
      }
      for (const t of targets) {
        const r = { failed: samples[t.name].failed, ...percentiles(samples[t.name].times) };
        results[`ttfb c${c} ${t.name}`] = r;
        log(`ttfb c=${c} ${t.name}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (${r.n} streams)`);
      }
    }
    // 4. Per-event cost: CPU per stream at 10 and 1,000 events, gateway minus floor.
    const perEvent = {};
    for (const events of ONLY.has('slope') ? [10, 1000] : []) {
      await settings({ tokensPerSecond: 0, ttftMs: 0, answerTokens: events });
      for (const t of targets.slice(1)) {
        const b = body(t, { stream: true, max_tokens: events });
        const c0 = cpu(t);
        const r = await closedLoop({
          url: t.url,
          body: b,
          headers,
          concurrency: 16,
          durationMs: SECONDS * 1000,
        });
        perEvent[`${events} ${t.name}`] = (cpu(t) - c0) / r.ok;
      }
    }
    report(targets, results, perEvent);
  } finally {
    for (const child of children) stopGroup(child);
    rmSync(dir, { recursive: true, force: true });
  }
  if (ONLY.has('subsystems')) await subsystemBenches();
}

async function serve(options) {
  const port = await freePort();
  const args = Object.entries({ ...options, port }).map(([k, v]) => `--${k}=${v}`);
  const child = start('node', ['scripts/bench/serve.mjs', ...args]);
  children.add(child);
  let output = '';
  child.stderr.on('data', (d) => {
    output += d;
  });
  const ready = await new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${options.target} not ready:\n${output}`)), 60_000);
    child.stdout.on('data', (d) => {
      buffer += d;
      const m = /READY (.*)\n/.exec(buffer);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`${options.target} exited ${code}:\n${output}`)));
  });
  return { url: ready.url, pgid: child.pid };
}

async function sanity(t, headers, body) {
  const json = await fetch(t.url, { method: 'POST', headers, body: body(t) });
  const text = await json.text();
  if (json.status !== 200 || !text.includes('"usage"'))
    throw new Error(`${t.name}: JSON sanity failed: ${json.status} ${text}`);
  const sse = await fetch(t.url, {
    method: 'POST',
    headers,
    body: body(t, { stream: true, stream_options: { include_usage: true } }),
  });
  const stream = await sse.text();
  if (sse.status !== 200 || !stream.includes('[DONE]'))
    throw new Error(`${t.name}: SSE sanity failed: ${sse.status} ${stream}`);
}

const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');

function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One cell from its rounds: total throughput, and the median of each per-round figure. */
function medianOfRounds(rounds) {
  const ok = rounds.reduce((s, r) => s + r.ok, 0);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const out = { ok, failed: rounds.reduce((s, r) => s + r.failed, 0), seconds, rps: ok / seconds };
  for (const key of ['p50', 'p99', 'cpuMsPerReq', 'emulatorCpuMsPerReq', 'loadgenCpuMsPerReq'])
    out[key] = median(rounds.map((r) => r[key]));
  return out;
}

function report(targets, r, perEvent) {
  const [direct, floor, relay, socketRelay, gw, sock] = targets.map((t) => t.name);
  const get = (key) => r[key] ?? {};
  const ev = (key) => perEvent[key] ?? Number.NaN;
  out('## Gateway vs floor (one workerd process each, same run)');
  out();
  out(
    '| target | JSON req/s c=1 | p50 / p99 ms c=1 | JSON req/s c=64 | p50 / p99 ms c=64 | CPU ms/req c=64 | SSE req/s c=64 | CPU ms/SSE req c=64 |',
  );
  out('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of [direct, floor, relay, socketRelay, gw, sock]) {
    const a = get(`json c1 ${name}`);
    const b = get(`json c64 ${name}`);
    const s = get(`sse c64 ${name}`);
    const cpuCell = (x) => (name === direct ? '(emulator)' : f(x.cpuMsPerReq, 3));
    out(
      `| ${name} | ${f(a.rps, 0)} | ${f(a.p50)} / ${f(a.p99)} | ${f(b.rps, 0)} | ${f(b.p50)} / ${f(b.p99)} | ${cpuCell(b)} | ${f(s.rps, 0)} | ${cpuCell(s)} |`,
    );
  }
  out();
  out('| first content `data:` line (emulator TTFT 20 ms) | p50 c=1 | p99 c=1 | p50 c=64 | p99 c=64 |');
  out('|---|---:|---:|---:|---:|');
  for (const name of [direct, floor, relay, socketRelay, gw, sock]) {
    const a = get(`ttfb c1 ${name}`);
    const b = get(`ttfb c64 ${name}`);
    out(`| ${name} | ${f(a.p50)} | ${f(a.p99)} | ${f(b.p50)} | ${f(b.p99)} |`);
  }
  const slopeOf = (name) =>
    ((ev(`1000 ${name}`) - ev(`1000 ${floor}`) - (ev(`10 ${name}`) - ev(`10 ${floor}`))) / 990) * 1000;
  const sseRatio = (name) => get(`sse c64 ${name}`).rps / get(`sse c64 ${floor}`).rps;
  const both = (figure) => `${figure(gw)} over fetch, ${figure(sock)} over sockets`;
  out();
  out('## Ratios to the floor (targets in parentheses)');
  out();
  out(
    `- CPU per non-stream request, c=64: ${f(get(`json c64 ${gw}`).cpuMsPerReq / get(`json c64 ${floor}`).cpuMsPerReq)}× (≤ 2.0×)`,
  );
  out(`- Streaming requests/s, c=64: ${both((n) => `${f(sseRatio(n))}×`)} (≥ 0.65×)`);
  for (const c of [1, 64]) {
    const fl = get(`ttfb c${c} ${floor}`);
    const delta = (n) => {
      const g = get(`ttfb c${c} ${n}`);
      return `p50 +${f(g.p50 - fl.p50)} / p99 +${f(g.p99 - fl.p99)} ms`;
    };
    out(`- First content line c=${c}: ${both(delta)} (≤ +2 ms)`);
  }
  out(
    `- Per-event cost (slope of gateway − floor CPU, 10 → 1,000 events): ${both((n) => `${f(slopeOf(n), 1)} µs/event`)} (≤ 10 µs)`,
  );
  out(
    `- CPU per stream (10 / 1,000 events): floor ${f(ev(`10 ${floor}`), 3)} / ${f(ev(`1000 ${floor}`), 3)} ms, ${both((n) => `${f(ev(`10 ${n}`), 3)} / ${f(ev(`1000 ${n}`), 3)} ms`)}`,
  );
  out();
  out('What relaying costs in this runtime before any gateway work (the two relay rows, same run):');
  out();
  out(
    `- JS relay: streaming requests/s c=64 ${f(sseRatio(relay))}× the floor's; per-event slope ${f(slopeOf(relay), 1)} µs/event; CPU per non-stream request ${f(get(`json c64 ${relay}`).cpuMsPerReq / get(`json c64 ${floor}`).cpuMsPerReq)}×`,
  );
  out(
    `- Gateway over fetch against the JS relay: streaming requests/s ${f(get(`sse c64 ${gw}`).rps / get(`sse c64 ${relay}`).rps)}×; per-event slope over the relay's ${f(slopeOf(gw) - slopeOf(relay), 1)} µs/event`,
  );
  out(
    `- Socket relay: streaming requests/s c=64 ${f(sseRatio(socketRelay))}× the floor's; per-event slope ${f(slopeOf(socketRelay), 1)} µs/event; CPU per stream (10 events) ${f(ev(`10 ${socketRelay}`), 3)} ms`,
  );
  out(
    `- Gateway over sockets against the socket relay: streaming requests/s ${f(get(`sse c64 ${sock}`).rps / get(`sse c64 ${socketRelay}`).rps)}×; CPU per stream (10 events) +${f(ev(`10 ${sock}`) - ev(`10 ${socketRelay}`), 3)} ms, which is the gateway's own work per request`,
  );
  out(
    '- A fetch body gives one HTTP chunk per read, and the emulator, like the engines, writes one chunk per token. A socket read returns all that has arrived, so tokens that arrive faster than they are relayed are read together, and a token that arrives alone is read at once',
  );
  const j = get(`json c64 ${gw}`);
  out(
    `- Where the CPU goes at c=64 (ms per gateway request): gateway ${f(j.cpuMsPerReq, 3)}, emulator ${f(j.emulatorCpuMsPerReq, 3)}, load generator ${f(j.loadgenCpuMsPerReq, 3)} (2 cores shared)`,
  );
  out();
}

/**
 * Benchmarks of the subsystems, each a script of its own run in a child process with a time limit, so
 * one that fails is reported and the others still run.
 */
async function subsystemBenches() {
  const benches = [
    ['Engine stream decoders: OpenAI framing (vLLM)', 'decoders-openai.mjs'],
    ['Engine stream decoders: TGI, Ollama, SGLang', 'decoders-a.mjs'],
    ['Engine stream decoders: TensorRT-LLM, DeepSpeed-MII, LMDeploy', 'decoders-b.mjs'],
    ['Engine pool admission (one pool object)', 'pool-admission.mjs'],
    ['Async jobs', 'jobs.mjs'],
    ['Governance linter', 'governance.mjs'],
  ];
  for (const [title, file] of benches) {
    if (!existsSync(join(ROOT, 'scripts/bench', file))) continue;
    out(`## ${title}`);
    out();
    log(`subsystem bench ${file}`);
    try {
      const text = await runTracked('node', [`scripts/bench/${file}`], {
        timeoutMs: 300_000,
        stdoutOnly: true,
      });
      out(text.trim());
    } catch (err) {
      out(
        `(failed: ${String(err?.message ?? err)
          .split('\n')
          .slice(0, 3)
          .join(' ')})`,
      );
    }
    out();
  }
}

// Every child runs in a group of its own, which neither a terminal's Ctrl-C or hang-up nor a signal to
// this process alone reaches: each such stop kills them all here.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const child of children) stopGroup(child, 'SIGKILL');
    process.exit(128 + constants.signals[signal]);
  });
}
main().catch((err) => {
  for (const child of children) stopGroup(child, 'SIGKILL');
  log(String(err?.stack ?? err));
  process.exit(1);
});
