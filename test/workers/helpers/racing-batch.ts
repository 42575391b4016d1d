/**
 * `database` as seen by a writer that loses a race: another writer's work (`before`) lands between the
 * write's checks and its batch, and `after` (if given) once the batch is done, before anything else.
 */
export function racingBatch(
  database: D1Database,
  before: (database: D1Database) => Promise<unknown>,
  after?: (database: D1Database) => Promise<unknown>,
): D1Database {
  return new Proxy(database, {
    get(target, name) {
      if (name !== 'batch') return Reflect.get(target, name).bind(target);
      return async (statements: D1PreparedStatement[]) => {
        await before(target);
        const results = await target.batch(statements);
        await after?.(target);
        return results;
      };
    },
  });
}
