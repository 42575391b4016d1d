#!/usr/bin/env node
/**
 * Serves one benchmark target in ONE workerd process through Miniflare's API, the way production runs
 * a Worker (no `wrangler dev` proxy):
 *   --target=floor   a passthrough Worker: fetch() to the origin, return its Response untouched
 *   --target=relay   the least a relay that sees the stream can do: read each origin chunk in
 *                    JavaScript and enqueue it, unchanged, into the response body (no other work)
 *   --target=socket-relay the same over a TCP socket of its own (`connect()`): an HTTP/1.0 request,
 *                    the head read up to its end, then each socket read enqueued unchanged
 *   --target=gateway the built gateway bundle with D1, Durable Objects and its self binding, migrated
 *                    and seeded with an engine pool for the given origin and a key with limits on;
 *                    --stream-transport=socket sets the pool's `streamTransport` (default fetch)
 * Prints `READY <json>` on stdout when it serves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { ROOT } from '../lib/procs.mjs';
import { sha256Hex } from '../lib/seed-sql.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=')];
  }),
);
const port = Number(args.port);
const origin = args.origin;
const wrangler = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(wrangler)[1];
const compatibilityFlags = JSON.parse(/^compatibility_flags\s*=\s*(\[[^\]]*\])/m.exec(wrangler)[1]);

/** Relay body: every read of `reader` enqueued unchanged into the stream of `controller`. */
const PUMP = `    const pump = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        controller.enqueue(value);
      }
    };
    pump().catch((err) => controller.error(err));
`;

const FLOOR = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/health') return new Response('ok');
    return fetch(new Request(env.ORIGIN_URL + url.pathname + url.search, request));
  },
};`;

const RELAY = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/health') return new Response('ok');
    const upstream = await fetch(new Request(env.ORIGIN_URL + url.pathname + url.search, request));
    const reader = upstream.body.getReader();
    let controller;
    const body = new ReadableStream({ start(c) { controller = c; } }, { highWaterMark: 8 });
${PUMP}    return new Response(body, { status: upstream.status, headers: upstream.headers });
  },
};`;

// HTTP/1.0, so the origin answers close-delimited and the body needs no de-chunking: the least a
// relay over a socket must do. Only the status and content type are taken from the head.
const SOCKET_RELAY = `import { connect } from 'cloudflare:sockets';
const encoder = new TextEncoder();
function headEnd(bytes) {
  for (let i = 3; i < bytes.length; i++)
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) return i + 1;
  return -1;
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/health') return new Response('ok');
    const origin = new URL(env.ORIGIN_URL);
    const body = encoder.encode(await request.text());
    const socket = connect({ hostname: origin.hostname, port: Number(origin.port) });
    const writer = socket.writable.getWriter();
    writer.write(encoder.encode('POST ' + url.pathname + ' HTTP/1.0\\r\\nhost: ' + origin.host +
      '\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + body.byteLength + '\\r\\n\\r\\n'));
    writer.write(body);
    writer.releaseLock();
    const reader = socket.readable.getReader();
    let buffer = new Uint8Array(0);
    let end = -1;
    while (end < 0) {
      const { done, value } = await reader.read();
      if (done) throw new Error('connection closed before a response head');
      const joined = new Uint8Array(buffer.length + value.length);
      joined.set(buffer);
      joined.set(value, buffer.length);
      buffer = joined;
      end = headEnd(buffer);
    }
    const head = new TextDecoder().decode(buffer.subarray(0, end));
    const status = Number(head.slice(9, 12));
    const type = /^content-type:[ \\t]*([^\\r]*)/im.exec(head)?.[1] ?? 'application/octet-stream';
    let controller;
    const out = new ReadableStream({ start(c) { controller = c; } }, { highWaterMark: 8 });
    if (end < buffer.length) controller.enqueue(buffer.subarray(end));
${PUMP}    return new Response(out, { status, headers: { 'content-type': type } });
  },
};`;

const RELAYS = { floor: FLOOR, relay: RELAY, 'socket-relay': SOCKET_RELAY };

let mf;
if (args.target in RELAYS) {
  mf = new Miniflare(
    convertV4MiniflareOptions({
      name: args.target,
      modules: true,
      script: RELAYS[args.target],
      compatibilityDate,
      compatibilityFlags,
      bindings: { ORIGIN_URL: origin },
      ...(process.env.BENCH_INSPECTOR_PORT
        ? { inspectorPort: Number(process.env.BENCH_INSPECTOR_PORT) }
        : {}),
      host: '127.0.0.1',
      port,
    }),
  );
  await mf.ready;
} else {
  mf = new Miniflare(
    convertV4MiniflareOptions({
      name: 'eco-gateway',
      modules: true,
      scriptPath: join(args.bundle, 'index.js'),
      modulesRoot: args.bundle,
      compatibilityDate,
      compatibilityFlags,
      d1Databases: { DB: 'bench-db' },
      durableObjects: {
        ENGINE_POOL: { className: 'EnginePool', useSQLite: true },
        RATE_LIMITER: { className: 'RateLimiter', useSQLite: true },
        JOB_QUEUE: { className: 'JobQueue', useSQLite: true },
        CONVERSATION: { className: 'Conversation', useSQLite: true },
      },
      serviceBindings: { SELF: 'eco-gateway' },
      ...(process.env.BENCH_INSPECTOR_PORT
        ? { inspectorPort: Number(process.env.BENCH_INSPECTOR_PORT) }
        : {}),
      bindings: {
        ECO_ENVIRONMENT: 'development',
        ECO_KEY_CACHE_TTL_MS: '5000',
        ECO_STREAM_HOLD_MS: '5000',
        ECO_INTERNAL_SECRET: 'bench-internal-secret-0123456789',
      },
      host: '127.0.0.1',
      port,
    }),
  );
  await mf.ready;
  const db = await mf.getD1Database('DB');
  for (const file of readdirSync(join(ROOT, 'migrations'))
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const sql = readFileSync(join(ROOT, 'migrations', file), 'utf8');
    for (const statement of splitSql(sql)) await db.prepare(statement).run();
  }
  const pool = {
    name: 'bench',
    protocol: 'vllm',
    origins: [{ id: 'bench-1', url: origin, capacity: 100000, weight: 1 }],
    timeouts: { headersMs: 30000, firstTokenMs: 30000, idleMs: 30000, totalMs: 120000 },
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 100 },
    streamTransport: args['stream-transport'] || 'fetch',
    options: {},
  };
  await db
    .prepare('INSERT INTO pools (name, protocol, config, updated_at) VALUES (?, ?, ?, ?)')
    .bind('bench', 'vllm', JSON.stringify(pool), Date.now())
    .run();
  await db
    .prepare(
      `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at) VALUES ('bench-model', '[]', 'bench', ?, '["chat"]', 8192, 0)`,
    )
    .bind(JSON.stringify([{ pool: 'bench', engineModel: 'bench-engine' }]))
    .run();
  // Limits on (high enough never to reject), so every request pays for the limiter like production.
  const limits = {
    requestsPerMinute: 100_000_000,
    tokensPerMinute: 1_000_000_000_000,
    maxConcurrent: 100_000,
  };
  await db
    .prepare(
      `INSERT INTO api_keys (id, name, tenant, prefix, key_hash, scopes, limits, default_priority, max_priority, created_at) VALUES ('key_bench', 'bench', 'bench', 'eco_sk_bench', ?, '["inference"]', ?, 'normal', 'high', ?)`,
    )
    .bind(sha256Hex(args.key), JSON.stringify(limits), Date.now())
    .run();
}

process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
const stop = () => mf.dispose().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/** Statements of a migration file (no statement in our migrations contains a semicolon in a string). */
function splitSql(sql) {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
