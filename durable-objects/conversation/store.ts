import type { ReplyTarget } from '../../workers/im/send/types.ts';
import type { MessageSignals } from '../../workers/im/types.ts';

/**
 * The Conversation's SQLite state: processed event ids (dedup), the inbox drained in arrival order,
 * the bounded history, and small settings (bot config, chosen model, rate bucket).
 */
const SCHEMA = [
  'CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, at INTEGER NOT NULL)',
  'CREATE INDEX IF NOT EXISTS seen_at ON seen (at)',
  `CREATE TABLE IF NOT EXISTS inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    text TEXT NOT NULL,
    target TEXT NOT NULL,
    event_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    phase TEXT NOT NULL DEFAULT 'reply',
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at INTEGER NOT NULL,
    answer TEXT,
    outcome TEXT,
    parts_sent INTEGER NOT NULL DEFAULT 0,
    reply_token_used INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    signals TEXT,
    history_from INTEGER
  )`,
  'CREATE TABLE IF NOT EXISTS history (seq INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL, at INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
];

export type Phase = 'reply' | 'apology';

export interface InboxRow {
  seq: number;
  eventId: string;
  text: string;
  target: ReplyTarget;
  eventAt: number;
  receivedAt: number;
  phase: Phase;
  attempts: number;
  dueAt: number;
  /** The reply split into parts, once known: retries resend it rather than asking the model again. */
  answer: string[] | null;
  /** What the answer is (answered, command, rate_limited), counted once it is delivered. */
  outcome: string | null;
  partsSent: number;
  replyTokenUsed: boolean;
  lastError: string | null;
  /** Mentions, a reply to a bot, a first contact: what decides whether and how it is answered. */
  signals: MessageSignals;
  /**
   * The first history row of this message's exchange, appended when its answer was known: taken back
   * if no part of the answer ever reaches the chat, so the model is not told of a reply nobody saw.
   */
  historyFrom: number | null;
}

export interface NewInboxItem {
  eventId: string;
  text: string;
  target: ReplyTarget;
  eventAt: number;
  signals?: MessageSignals;
}

export interface HistoryMessage {
  role: 'user' | 'assistant';
  content: string;
}

export class ConversationStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
    // Objects created before the column existed get it added in place.
    const columns = sql.exec('SELECT * FROM inbox LIMIT 0').columnNames;
    if (!columns.includes('signals')) sql.exec('ALTER TABLE inbox ADD COLUMN signals TEXT');
    if (!columns.includes('history_from')) sql.exec('ALTER TABLE inbox ADD COLUMN history_from INTEGER');
  }

  /** Record the event id and queue it, or report a redelivery. Synchronous: atomic inside the object. */
  admit(item: NewInboxItem, now: number): boolean {
    if (!this.markSeen(item.eventId, now)) return false;
    this.#sql.exec(
      'INSERT INTO inbox (event_id, text, target, event_at, received_at, due_at, signals) VALUES (?, ?, ?, ?, ?, ?, ?)',
      item.eventId,
      item.text,
      JSON.stringify(item.target),
      item.eventAt,
      now,
      now,
      item.signals ? JSON.stringify(item.signals) : null,
    );
    return true;
  }

  /** Record an event id; false when it was seen before (a redelivery). */
  markSeen(eventId: string, now: number): boolean {
    return (
      this.#sql.exec('INSERT OR IGNORE INTO seen (event_id, at) VALUES (?, ?)', eventId, now).rowsWritten > 0
    );
  }

  /**
   * Drop the messages still waiting for a reply that were sent no later than `sentBy` (Unix ms; 0:
   * every one); returns how many there were.
   */
  dropPending(sentBy: number): number {
    if (sentBy <= 0) return this.#sql.exec('DELETE FROM inbox').rowsWritten;
    return this.#sql.exec('DELETE FROM inbox WHERE event_at <= ?', sentBy).rowsWritten;
  }

  head(): InboxRow | undefined {
    const row = this.#sql.exec('SELECT * FROM inbox ORDER BY seq LIMIT 1').toArray()[0];
    return row ? toInboxRow(row) : undefined;
  }

  backlog(): number {
    return Number(this.#sql.exec('SELECT COUNT(*) AS n FROM inbox').one().n);
  }

  update(seq: number, fields: Partial<Omit<InboxRow, 'seq' | 'eventId' | 'text'>>): void {
    const columns: Record<string, unknown> = {
      target: fields.target === undefined ? undefined : JSON.stringify(fields.target),
      phase: fields.phase,
      attempts: fields.attempts,
      due_at: fields.dueAt,
      answer:
        fields.answer === undefined
          ? undefined
          : fields.answer === null
            ? null
            : JSON.stringify(fields.answer),
      outcome: fields.outcome,
      parts_sent: fields.partsSent,
      reply_token_used: fields.replyTokenUsed === undefined ? undefined : fields.replyTokenUsed ? 1 : 0,
      last_error: fields.lastError,
      history_from: fields.historyFrom,
    };
    const set = Object.entries(columns).filter(([, v]) => v !== undefined);
    if (set.length === 0) return;
    this.#sql.exec(
      `UPDATE inbox SET ${set.map(([k]) => `${k} = ?`).join(', ')} WHERE seq = ?`,
      ...set.map(([, v]) => v as SqlStorageValue),
      seq,
    );
  }

  remove(seq: number): void {
    this.#sql.exec('DELETE FROM inbox WHERE seq = ?', seq);
  }

  /** The newest `keep` messages of the history (all of them when unbounded), oldest first. */
  history(keep = Number.MAX_SAFE_INTEGER): HistoryMessage[] {
    return this.#sql
      .exec(
        'SELECT role, content FROM (SELECT seq, role, content FROM history ORDER BY seq DESC LIMIT ?) ORDER BY seq',
        Math.max(0, keep),
      )
      .toArray()
      .map((r) => ({ role: r.role as HistoryMessage['role'], content: String(r.content) }));
  }

  /**
   * Append turns; returns the first row appended. The `keep` messages before them are kept too (read
   * as the newest `keep`), so that taking the turns back (an answer nobody saw) leaves the history as
   * it was rather than short of what they pushed out.
   */
  appendHistory(messages: HistoryMessage[], keep: number, now: number): number | null {
    let first: number | null = null;
    for (const m of messages) {
      const { seq } = this.#sql
        .exec(
          'INSERT INTO history (role, content, at) VALUES (?, ?, ?) RETURNING seq',
          m.role,
          m.content,
          now,
        )
        .one();
      first ??= Number(seq);
    }
    this.#sql.exec(
      'DELETE FROM history WHERE seq NOT IN (SELECT seq FROM history ORDER BY seq DESC LIMIT ?)',
      // No history kept: none stored either, not even the exchange being answered.
      keep <= 0 ? 0 : keep + messages.length,
    );
    return first;
  }

  /** Take back an exchange appended from row `from` on (its answer never reached the chat). */
  forgetHistoryFrom(from: number): void {
    this.#sql.exec('DELETE FROM history WHERE seq >= ?', from);
  }

  clearHistory(): void {
    this.#sql.exec('DELETE FROM history');
  }

  /** Drop history and processed ids past their retention; returns when the next of each expires. */
  purge(now: number, historyRetentionMs: number, dedupRetentionMs: number): number | undefined {
    this.#sql.exec('DELETE FROM history WHERE at <= ?', now - historyRetentionMs);
    this.#sql.exec('DELETE FROM seen WHERE at <= ?', now - dedupRetentionMs);
    const oldestHistory = this.#sql.exec('SELECT MIN(at) AS at FROM history').one().at;
    const oldestSeen = this.#sql.exec('SELECT MIN(at) AS at FROM seen').one().at;
    const next = [
      oldestHistory === null ? undefined : Number(oldestHistory) + historyRetentionMs,
      oldestSeen === null ? undefined : Number(oldestSeen) + dedupRetentionMs,
    ].filter((v): v is number => v !== undefined);
    return next.length > 0 ? Math.min(...next) : undefined;
  }

  get<T>(key: string): T | undefined {
    const row = this.#sql.exec('SELECT value FROM state WHERE key = ?', key).toArray()[0];
    return row ? (JSON.parse(String(row.value)) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    this.#sql.exec(
      'INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      key,
      JSON.stringify(value),
    );
  }
}

function toInboxRow(row: Record<string, SqlStorageValue>): InboxRow {
  return {
    seq: Number(row.seq),
    eventId: String(row.event_id),
    text: String(row.text),
    target: JSON.parse(String(row.target)) as ReplyTarget,
    eventAt: Number(row.event_at),
    receivedAt: Number(row.received_at),
    phase: row.phase === 'apology' ? 'apology' : 'reply',
    attempts: Number(row.attempts),
    dueAt: Number(row.due_at),
    answer: row.answer === null ? null : (JSON.parse(String(row.answer)) as string[]),
    outcome: row.outcome === null ? null : String(row.outcome),
    partsSent: Number(row.parts_sent),
    replyTokenUsed: Number(row.reply_token_used) === 1,
    lastError: row.last_error === null ? null : String(row.last_error),
    signals: row.signals ? (JSON.parse(String(row.signals)) as MessageSignals) : {},
    historyFrom:
      row.history_from === null || row.history_from === undefined ? null : Number(row.history_from),
  };
}
