// YAML 1.2 (§5.4) accepts LF, CRLF and a lone CR as line breaks; the yaml package only knows the first
// two and reads a CR-only file as one long line. A lone CR becomes LF: one character for one, so every
// offset, line and column stays what it is in the author's file.
const LONE_CR = /\r(?!\n)/g;

export function normalizeLineBreaks(source: string): string {
  return source.includes('\r') ? source.replace(LONE_CR, '\n') : source;
}

/** Splits text into lines at LF, CRLF or a lone CR, as the linter counts them. */
export function splitLines(source: string): string[] {
  return source.split(/\r\n|\r|\n/);
}
