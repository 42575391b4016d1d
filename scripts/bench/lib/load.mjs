import { Pool } from 'undici';

/**
 * Closed-loop load over keep-alive connections: `concurrency` workers each send the next request as
 * soon as the previous one finished, until the time is up. Latencies are float milliseconds per
 * response (not a histogram rounded to 1 ms). Loopback only; bounded by time and by count.
 */
export async function closedLoop({ url, body, headers, concurrency, durationMs, maxRequests = 2_000_000 }) {
  const target = new URL(url);
  assertLoopback(target);
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
  const latencies = [];
  let ok = 0;
  let failed = 0;
  let sent = 0;
  const start = performance.now();
  const end = start + durationMs;
  const worker = async () => {
    while (performance.now() < end && sent < maxRequests) {
      sent++;
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: target.pathname, headers, body });
        await res.body.text();
        if (res.statusCode === 200) {
          ok++;
          latencies.push(performance.now() - t0);
        } else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return { ok, failed, seconds, rps: ok / seconds, ...percentiles(latencies) };
}

/**
 * Time to the first content `data:` line of streamed requests (the first data line whose delta has
 * non-empty content — a role-only chunk does not count), `count` requests over `concurrency` workers.
 */
export async function firstContentTimes({ url, body, headers, concurrency, count }) {
  const target = new URL(url);
  assertLoopback(target);
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
  const times = [];
  let failed = 0;
  let next = 0;
  const content = /"content":"[^"]/;
  const worker = async () => {
    while (next < count) {
      next++;
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: target.pathname, headers, body });
        let seen = '';
        let first;
        for await (const chunk of res.body) {
          if (first === undefined) {
            seen += chunk.toString();
            if (content.test(seen)) first = performance.now() - t0;
          }
        }
        if (res.statusCode === 200 && first !== undefined) times.push(first);
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await pool.close();
  return { failed, times, ...percentiles(times) };
}

export function percentiles(values) {
  if (values.length === 0) return { n: 0, p50: Number.NaN, p99: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p99: at(0.99) };
}

function assertLoopback(url) {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`refusing to send load to ${url.hostname}: loopback only`);
  }
}
