// JSON.parse rounds an integer beyond 2^53 (9007199254740993 reads as 9007199254740992). A policy sent as
// JSON is read like a policy file instead: such an integer becomes a bigint, which resolvePolicy refuses
// by name. Only integers written as integers are affected; every other value reads as JSON.parse reads it.

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

const INTEGER = /^-?\d+$/;

const exactIntegers: Reviver = (_key, value, context) => {
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  return source !== undefined && INTEGER.test(source) ? BigInt(source) : value;
};

/** JSON.parse, with integers beyond the exact range as bigints (the runtime gives each number's source). */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, exactIntegers as (key: string, value: unknown) => unknown);
}
