import { drizzle } from 'drizzle-orm/d1';

export type Db = ReturnType<typeof drizzle>;

const cache = new WeakMap<D1Database, Db>();

/** One drizzle handle per D1 binding, reused across requests of an isolate. */
export function db(binding: D1Database): Db {
  let handle = cache.get(binding);
  if (!handle) {
    handle = drizzle(binding);
    cache.set(binding, handle);
  }
  return handle;
}
