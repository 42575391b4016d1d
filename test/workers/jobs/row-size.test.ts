import { describe, expect, it } from 'vitest';
import { JobEngine } from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { MAX_REQUEST_BYTES, MAX_RESULT_BYTES } from '../../../durable-objects/job-queue/row-limits.ts';
import type { Sql } from '../../../durable-objects/job-queue/sql.ts';
import { engineConfig, newJob, withSql } from './helpers.ts';

/** Cloudflare's SQLite refuses a row over 2,000,000 bytes; local SQLite has no such limit. */
const ROW_LIMIT = 2_000_000;

/** Emulate the platform's row limit on every table of the job store, as triggers refusing the write. */
function limitRows(sql: Sql): void {
  const tables = sql
    .exec<{ name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
    )
    .toArray()
    .map((t) => t.name);
  for (const table of tables) {
    const columns = sql
      .exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .toArray()
      .map((c) => `ifnull(octet_length(NEW.${c.name}), 0)`)
      .join(' + ');
    for (const op of ['INSERT', 'UPDATE'])
      sql.exec(
        `CREATE TRIGGER row_limit_${table}_${op} BEFORE ${op} ON ${table} WHEN ${columns} > ${ROW_LIMIT}
         BEGIN SELECT RAISE(ABORT, 'string or blob too big: SQLITE_TOOBIG'); END`,
      );
  }
}

const answer = (content: string) => ({
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

describe('a job with a request and a result both near their limits', () => {
  it('the emulated row limit bites: one row over 2,000,000 bytes is refused', () =>
    withSql((sql) => {
      limitRows(sql);
      const store = new JobStore(sql, Date.now);
      store.enqueue(newJob('fits'));
      expect(() => sql.exec(`UPDATE jobs SET result = ? WHERE id = 'fits'`, 'x'.repeat(ROW_LIMIT))).toThrow(
        /SQLITE_TOOBIG/,
      );
    }));

  it('keeps its result: the request and the result do not share a row', () =>
    withSql(async (sql) => {
      limitRows(sql);
      const store = new JobStore(sql, Date.now);
      const prompt = 'p'.repeat(MAX_REQUEST_BYTES - 200);
      store.enqueue(
        newJob('big', { request: { model: 'm', messages: [{ role: 'user', content: prompt }] } }),
      );
      const content = 'r'.repeat(MAX_RESULT_BYTES - 400);
      const seen: string[] = [];
      const engine = new JobEngine({
        store,
        execute: async (row) => {
          seen.push(row.request);
          return { kind: 'succeeded', result: answer(content), usage: answer(content).usage };
        },
        sendCallback: async () => ({ ok: true }),
        config: engineConfig(),
        now: Date.now,
        random: () => 0.5,
      });
      await engine.drain();
      // the attempt ran with the whole request
      expect(seen).toHaveLength(1);
      expect(JSON.parse(seen[0]!)).toEqual({ model: 'm', messages: [{ role: 'user', content: prompt }] });
      const view = jobView(store.get('big')!);
      expect(view.error).toBeNull();
      expect(view.status).toBe('succeeded');
      expect((view.result as ReturnType<typeof answer>).choices[0]!.message.content).toHaveLength(
        content.length,
      );
    }));

  it('a job stored with its request inline (before requests had rows of their own) still runs with it', () =>
    withSql((sql) => {
      const store = new JobStore(sql, Date.now);
      store.enqueue(newJob('old'));
      sql.exec(`UPDATE jobs SET request = (SELECT request FROM job_requests WHERE id = 'old')`);
      sql.exec('DELETE FROM job_requests');
      const [claimed] = store.claim(1);
      expect(JSON.parse(claimed!.request)).toEqual(newJob('old').request);
    }));

  it('a request goes when retention deletes its job', () =>
    withSql((sql) => {
      let now = 1_000_000;
      const store = new JobStore(sql, () => now);
      store.enqueue(newJob('gone'));
      store.enqueue(newJob('kept'));
      store.cancel('gone');
      now += 2 * 3_600_000;
      expect(store.purge(3_600_000)).toBe(1);
      const left = sql.exec<{ id: string }>('SELECT id FROM job_requests').toArray();
      expect(left.map((r) => r.id)).toEqual(['kept']);
    }));
});
