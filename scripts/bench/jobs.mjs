#!/usr/bin/env node
/**
 * Job queue figures.
 *  (a) jobs completed per second through one shard, against the emulator, on a dev stack of its own
 *      (ECO_JOB_SHARDS=1), with origin answers taking 0 ms and a fixed 480 ms (24 tokens at 50 tokens/s:
 *      non-stream answers are otherwise instant, so a latency fault stands in for generation time).
 *  (b) enqueue / claim / complete p99 at 10 and at 100,000 queued jobs: the object's own SQL
 *      bookkeeping (`JobStore`, the same module and statements) on SQLite via node:sqlite, timed per
 *      operation (inside workerd the clock does not advance during synchronous code), in rounds that
 *      alternate between the two depths; each figure is the median of the rounds'.
 * `node scripts/bench/jobs.mjs [--skip-stack]`; `benchJobs()` returns the figures.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { JobStore } from '../../durable-objects/job-queue/job-store.ts';
import { migrate } from '../../durable-objects/job-queue/sql.ts';

const PRIORITIES = ['critical', 'high', 'normal', 'low'];

/** `ctx.storage.sql`'s shape over node:sqlite, with statements cached like the runtime does. */
function nodeSql(db) {
  const cache = new Map();
  return {
    exec(query, ...bindings) {
      let stmt = cache.get(query);
      if (!stmt) {
        stmt = db.prepare(query);
        cache.set(query, stmt);
      }
      const reads = /^\s*(SELECT|WITH)\b/i.test(query) || /\bRETURNING\b/i.test(query);
      const args = bindings.map((b) => (b === undefined ? null : b));
      const rows = reads ? stmt.all(...args) : [];
      const written = reads ? rows.length : Number(stmt.run(...args).changes);
      return {
        toArray: () => rows,
        one: () => {
          if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
          return rows[0];
        },
        rowsWritten: written,
      };
    },
  };
}

function newJob(i, priority) {
  return {
    id: `job_bench_${i}`,
    tenant: 'bench',
    keyId: 'key_bench',
    type: 'chat',
    priority,
    model: 'dev-vllm',
    request: { model: 'dev-vllm', messages: [{ role: 'user', content: `prompt ${i}` }], stream: false },
    baseUrl: 'http://bench',
    timeoutMs: 3_600_000,
    maxAttempts: 4,
  };
}

const p = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  return { p50Us: Math.round(p(s, 0.5) * 1000), p99Us: Math.round(p(s, 0.99) * 1000) };
};

/** A store in memory with `depth` jobs waiting, in the lowest class (see `measureRound`). */
function openStore(depth) {
  const db = new DatabaseSync(':memory:');
  const sql = nodeSql(db);
  migrate(sql);
  const state = { db, sql, depth, next: depth, clock: 1_700_000_000_000 };
  state.store = new JobStore(sql, () => state.clock);
  db.exec('BEGIN');
  for (let i = 0; i < depth; i++) state.store.enqueue(newJob(i, PRIORITIES[i % 4]));
  db.exec('COMMIT');
  // Claims take the best class first: keep the backlog in the lowest class so claims reach new jobs
  // of a better class and the depth stays put.
  db.exec(`UPDATE jobs SET priority = 'low', priority_rank = 3`);
  return state;
}

/** One round: `steps` times enqueue one job, claim one, complete it; latency of each operation. */
function measureRound(state, steps) {
  const times = { enqueue: [], claim: [], complete: [] };
  for (let r = 0; r < steps + 100; r++) {
    state.clock += 1;
    const t0 = performance.now();
    state.store.enqueue(newJob(state.next++, 'high'));
    const t1 = performance.now();
    const [row] = state.store.claim(1);
    const t2 = performance.now();
    state.store.succeed(row.id, row.attempts, { ok: true }, { total_tokens: 1 });
    const t3 = performance.now();
    if (r >= 100) {
      times.enqueue.push(t1 - t0);
      times.claim.push(t2 - t1);
      times.complete.push(t3 - t2);
    }
  }
  return times;
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Per-operation latency at each depth, in rounds that alternate between the depths, so a pause of the
 * machine or of the collector hits both alike: p50 and p99 are the medians of the rounds' figures.
 */
export function bookkeeping(depths, { rounds = 7, steps = 1000 } = {}) {
  const states = depths.map(openStore);
  const perRound = states.map(() => []);
  for (let round = 0; round < rounds; round++)
    states.forEach((state, i) => {
      perRound[i].push(measureRound(state, steps));
    });
  return states.map((state, i) => {
    const queued = state.sql.exec(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'`).one().n;
    state.db.close();
    const figure = (op) => {
      const summaries = perRound[i].map((times) => summary(times[op]));
      return { p50Us: median(summaries.map((x) => x.p50Us)), p99Us: median(summaries.map((x) => x.p99Us)) };
    };
    return { queued, enqueue: figure('enqueue'), claim: figure('claim'), complete: figure('complete') };
  });
}

async function throughput(stack, count, delayMs) {
  const headers = { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' };
  await fetch(`${stack.emulator}/_control/faults`, { method: 'DELETE' });
  if (delayMs > 0) {
    await fetch(`${stack.emulator}/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ engine: 'vllm', mode: 'latency', delayMs, count: 100_000 }),
    });
  }
  const started = performance.now();
  const ids = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${stack.gateway}/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        type: 'chat',
        request: { model: 'dev-vllm', max_tokens: 24, messages: [{ role: 'user', content: `bench ${i}` }] },
      }),
    });
    ids.push((await res.json()).id);
  }
  const pending = new Set(ids);
  const deadline = Date.now() + 120_000;
  while (pending.size > 0 && Date.now() < deadline) {
    const res = await fetch(`${stack.gateway}/v1/jobs?limit=100&status=succeeded`, { headers });
    for (const job of (await res.json()).data) {
      pending.delete(job.id);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - started) / 1000;
  await fetch(`${stack.emulator}/_control/faults`, { method: 'DELETE' });
  return {
    jobs: count,
    completed: count - pending.size,
    seconds: +seconds.toFixed(2),
    jobsPerSecond: +((count - pending.size) / seconds).toFixed(1),
  };
}

export async function benchJobs({ stack: withStack = true } = {}) {
  const [at10, at100k] = bookkeeping([10, 100_000]);
  const ratio = (k) => +(at100k[k].p99Us / Math.max(1, at10[k].p99Us)).toFixed(2);
  const result = {
    bookkeeping: {
      at10,
      at100000: at100k,
      p99Ratio: { enqueue: ratio('enqueue'), claim: ratio('claim'), complete: ratio('complete') },
    },
  };
  if (!withStack) return result;
  const { startStack } = await import('../../test/e2e/helpers/stack.ts');
  const persistDir = mkdtempSync(join(tmpdir(), 'eco-bench-jobs-'));
  const stack = await startStack({ persistDir, vars: { ECO_JOB_SHARDS: '1', ECO_JOB_CONCURRENCY: '4' } });
  try {
    await throughput(stack, 8, 0); // warm-up
    result.oneShard = {
      concurrency: 4,
      instantOrigin: await throughput(stack, 100, 0),
      origin480ms: await throughput(stack, 40, 480),
      bound:
        'with a 480 ms origin: concurrency / latency (4 / ~0.5 s); with an instant origin: each job is one ' +
        'self-call through the whole pipeline (auth, admission, dispatch) under wrangler dev plus the ' +
        "object's bookkeeping, all on this 2-core machine",
    };
  } finally {
    await stack.stop({ removeState: true });
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchJobs({ stack: !process.argv.includes('--skip-stack') });
  console.log(JSON.stringify(figures, null, 2));
}
