// Shared harness of the per-engine decoder benches: each engine is a decoder factory plus its events as
// separate SSE/NDJSON frames, each frame pushed as its own network chunk, decoded repeatedly within a
// time bound.

export const EVENTS = 1000;
const WORDS = [' edge', ' model', ' café', ' データ', ' 🙂', ' token', ' stream', ' naïve'];
export const word = (i) => WORDS[i % WORDS.length];

export function pool(protocol, options = {}) {
  return {
    name: protocol,
    protocol,
    origins: [{ id: 'o1', url: 'http://o.test', capacity: 8, weight: 1 }],
    timeouts: { headersMs: 1000, firstTokenMs: 1000, idleMs: 1000, totalMs: 10000 },
    retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    options,
  };
}

export function ctx(protocol, options = {}) {
  return {
    engineModel: 'engine',
    clientModel: 'client',
    stream: true,
    includeUsage: true,
    pool: pool(protocol, options),
    requestId: 'bench',
    created: 1,
  };
}

function runOnce(make, chunks) {
  const decoder = make();
  let events = 0;
  let last;
  for (const chunk of chunks) {
    const out = decoder.push(chunk);
    events += out.length;
    if (out.length > 0) last = out.at(-1);
  }
  const tail = decoder.end();
  if (tail.length > 0) last = tail.at(-1);
  if (last?.kind !== 'end') throw new Error(`stream did not end cleanly: ${JSON.stringify(last)}`);
  return events + tail.length;
}

/** Median µs per frame over repeated decodes, bounded by `budgetMs` per engine. */
function measure(make, frames, budgetMs) {
  const encoder = new TextEncoder();
  const chunks = frames.map((f) => encoder.encode(f));
  for (let i = 0; i < 5; i++) runOnce(make, chunks);
  const samples = [];
  const deadline = performance.now() + budgetMs;
  while (samples.length < 5 || (performance.now() < deadline && samples.length < 200)) {
    const started = performance.now();
    runOnce(make, chunks);
    samples.push(((performance.now() - started) * 1000) / frames.length);
  }
  samples.sort((a, b) => a - b);
  return { usPerEvent: samples[Math.floor(samples.length / 2)], runs: samples.length };
}

/** Benches the named engines of `table` (all by default); targets: ≤10 µs/event OpenAI-framed, ≤30 native. */
export function benchEngines(table, { engines = Object.keys(table), budgetMs = 400 } = {}) {
  const results = [];
  for (const name of engines) {
    const engine = table[name];
    if (!engine) throw new Error(`unknown engine '${name}'`);
    const frames = engine.frames();
    const { usPerEvent, runs } = measure(engine.make, frames, budgetMs);
    const target = engine.framing === 'openai' ? 10 : 30;
    results.push({
      engine: name,
      framing: engine.framing,
      events: frames.length,
      runs,
      usPerEvent,
      target,
      ok: usPerEvent <= target,
    });
  }
  return results;
}

export function printResults(results) {
  for (const r of results) {
    console.log(
      `${r.engine.padEnd(22)} ${r.framing.padEnd(7)} ${r.usPerEvent.toFixed(2).padStart(7)} µs/event (target ≤${r.target}) ${r.ok ? 'ok' : 'OVER'}  [${r.events} events × ${r.runs} runs]`,
    );
  }
}
