// Report text quotes what authors wrote (keys, values, paths). Printed raw, a newline or a terminal
// escape sequence in it could forge report lines in a CI log, and bidi controls could reorder them.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The text with each control character written as an escape (`\n`, `\u001b`). */
export function escapeInvisible(text: string): string {
  return text.replace(
    INVISIBLE,
    (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The text with each control character replaced by U+FFFD: one column for one, so carets still align. */
export function maskInvisible(text: string): string {
  return text.replace(INVISIBLE, '\ufffd');
}
