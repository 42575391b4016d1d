/**
 * Which Worker secrets a pool's origin auth may send to the pool's origins. Never one of the gateway's
 * own (`ECO_*`: internal token key, JWT secrets, metrics token), nor one an IM bot names (its webhook
 * secret, verify token or platform token): the origin auth sends the value to whatever URL the pool
 * names, which would hand the credential to whoever runs it. Checked when a pool is written, and again
 * whenever the secret is about to be sent, so a row written by SQL, or a bot created after the pool,
 * cannot send one out either.
 */

/** The gateway's own secrets and settings: `ECO_*`. */
export function isGatewaySecretName(name: string): boolean {
  return name.startsWith('ECO_');
}

/** The bots (`platform/id`) that name `secret` as one of theirs, at most `limit`. */
export async function botsNamingSecret(database: D1Database, secret: string, limit = 5): Promise<string[]> {
  const { results } = await database
    .prepare(
      `SELECT platform, id FROM bots WHERE ?1 IN (secret_name, verify_token_name, access_token_name)
       ORDER BY platform, id LIMIT ?2`,
    )
    .bind(secret, limit)
    .all<{ platform: string; id: string }>();
  return results.map((row) => `${row.platform}/${row.id}`);
}

/** How long this isolate uses its list of bot secret names before reading it again (in the background). */
export const BOT_SECRET_NAMES_REFRESH_MS = 30_000;

let known: { names: ReadonlySet<string>; readAt: number } | undefined;
/** Moved on by every forget: a read begun before one must not install the list it read. */
let generation = 0;
/** The read in flight, shared by every caller meanwhile; given up after a refresh period. */
let reading: { since: number; names: Promise<ReadonlySet<string>> } | undefined;

function readBotSecretNames(database: D1Database, now: number): Promise<ReadonlySet<string>> {
  if (reading && now - reading.since < BOT_SECRET_NAMES_REFRESH_MS) return reading.names;
  const readFor = generation;
  const names = database
    .prepare(
      `SELECT secret_name AS name FROM bots UNION SELECT verify_token_name FROM bots
       UNION SELECT access_token_name FROM bots`,
    )
    .all<{ name: string | null }>()
    .then(({ results }) => {
      const read = new Set(results.flatMap((row) => (row.name ? [row.name] : [])));
      if (readFor === generation && (!known || known.readAt <= now)) known = { names: read, readAt: now };
      return read as ReadonlySet<string>;
    })
    .finally(() => {
      if (reading?.since === now) reading = undefined;
    });
  reading = { since: now, names };
  return names;
}

/**
 * The secret names IM bots use. Read once per isolate (one read shared by concurrent callers);
 * afterwards served from memory and read again in the background once the list is older than the
 * refresh period, so requests never wait for D1 for it. Undefined when the first read failed: this
 * use-time check is a second line (pool and bot writes refuse the overlap), and a D1 hiccup must not
 * fail a request to a healthy origin.
 */
export async function botSecretNames(
  database: D1Database,
  now = Date.now(),
): Promise<ReadonlySet<string> | undefined> {
  const current = known;
  if (!current) return readBotSecretNames(database, now).catch(() => undefined);
  if (now - current.readAt >= BOT_SECRET_NAMES_REFRESH_MS) readBotSecretNames(database, now).catch(() => {});
  return current.names;
}

/** Read the list again on next use (a bot was written in this isolate; tests). */
export function forgetBotSecretNames(): void {
  known = undefined;
  reading = undefined;
  generation++;
}

/** Why the pool's origin auth may not send the secret `name`, or undefined when it may. */
export async function poolSecretRefusal(
  database: D1Database,
  name: string,
  now = Date.now(),
): Promise<string | undefined> {
  if (isGatewaySecretName(name)) return "names one of the gateway's own secrets (ECO_*)";
  if ((await botSecretNames(database, now))?.has(name)) return 'names a secret an IM bot uses';
  return undefined;
}
