import { usageEvents } from '../../schemas/db/usage.ts';
import { db } from '../data/db.ts';
import { UsageBuffer } from './usage-buffer.ts';

export interface UsageRecord {
  requestId: string;
  keyId: string | null;
  tenant: string | null;
  model: string;
  pool: string | null;
  origin: string | null;
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
  status: number;
  latencyMs: number;
  ttftMs: number | null;
  streamed: boolean;
}

type Row = typeof usageEvents.$inferInsert;

/** D1 binds at most 100 parameters per statement; a row has 15 columns. */
const ROWS_PER_STATEMENT = 6;

let buffer: UsageBuffer<Row> | undefined;

export interface UsageBatching {
  maxRows: number;
  windowMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function write(database: D1Database, rows: Row[]): Promise<void> {
  const handle = db(database);
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(handle.insert(usageEvents).values(rows.slice(i, i + ROWS_PER_STATEMENT)));
  }
  const [first, ...rest] = statements;
  if (first) await handle.batch([first, ...rest]);
}

async function flush(database: D1Database): Promise<void> {
  const b = buffer!;
  const rows = b.drain();
  if (rows.length === 0) return;
  try {
    await write(database, rows);
  } catch (err) {
    console.warn(`usage write of ${rows.length} rows failed; retrying once`, err);
    try {
      await sleep(200);
      await write(database, rows);
    } catch (again) {
      console.error(`usage write of ${rows.length} rows failed twice; rows kept for the next batch`, again);
      b.restore(rows, Date.now());
    }
  }
}

/**
 * Buffer one usage row; the returned promise (for waitUntil) settles once the row is in D1. Rows are
 * written in batches — when `maxRows` are buffered or the oldest is `windowMs` old — with one D1
 * batch call, so a busy isolate writes about once per window instead of once per request. Each
 * request waits at most `windowMs` for its own row, so nothing stays buffered when traffic stops.
 */
export async function recordUsage(
  database: D1Database,
  record: UsageRecord,
  now = Date.now(),
  batching: UsageBatching = { maxRows: 50, windowMs: 1000 },
): Promise<void> {
  buffer ??= new UsageBuffer<Row>(batching.maxRows, batching.windowMs);
  buffer.add({ id: crypto.randomUUID(), ...record, createdAt: now }, now);
  const wait = buffer.dueIn(now);
  if (wait > 0) await sleep(wait);
  await flush(database);
}
