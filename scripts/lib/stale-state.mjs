/**
 * A local state directory made by an older schema (a migration renamed or edited after it was
 * applied there) makes the migrations or the seed fail with an SQLite error deep in wrangler's
 * output. This turns that into one message saying which directory and what to do about it.
 */
const SCHEMA_ERROR =
  /no such (?:table|column)[^\n:]*|table \S+ has no column named[^\n:]*|(?:table|index) \S+ already exists|duplicate column name[^\n:]*/i;

// Wrangler colours its error lines; the message is matched and quoted without the escapes.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The advice for a failed migration or seed run, or undefined when the failure is not a schema mismatch. */
export function staleStateAdvice(output, persistDir) {
  const match = SCHEMA_ERROR.exec(String(output).replace(ANSI, ''));
  if (!match) return undefined;
  return [
    `the local database in ${persistDir} does not match the migrations (${match[0].trim()}):`,
    'it was made by an older schema. Remove that directory (its local jobs, pools and keys go with it),',
    'or set ECO_PERSIST_DIR to a new directory, and run npm run dev again.',
  ].join('\n');
}
