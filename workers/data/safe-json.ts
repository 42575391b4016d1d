/** A stored JSON column as a value; text that is not JSON (a row written by hand) reads as undefined. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
