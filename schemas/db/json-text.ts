import { customType } from 'drizzle-orm/sqlite-core';

/**
 * A JSON column whose read never throws. drizzle's own JSON mode parses on read and throws on text
 * that is not JSON (a row written by hand), which fails the whole query; here such text stays the
 * text, so that checking the row refuses it and other rows are still read.
 */
export function jsonText<T>(name: string) {
  return customType<{ data: T; driverData: string }>({
    dataType: () => 'text',
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (text) => {
      try {
        return JSON.parse(text) as T;
      } catch {
        return text as T;
      }
    },
  })(name);
}
