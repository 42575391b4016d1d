/**
 * The head of an HTTP/1.1 response (status line and header fields), parsed from the bytes an origin
 * sent, and the framing of the body that follows it (RFC 9112 §4, §5, §6.3).
 */

/** A response that breaks HTTP/1.1's rules; the caller answers it as a malformed origin response. */
export class Http1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Http1Error';
  }
}

/** The most head bytes accepted before the blank line; more is not an inference engine talking. */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface ResponseHead {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** Bytes of `buffer` the head took, blank line included; the body starts there. */
  length: number;
}

export type BodyFraming =
  | { kind: 'none' }
  | { kind: 'chunked' }
  | { kind: 'length'; length: number }
  | { kind: 'close' };

const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: ([^\r\n]*))?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LATIN1 = new TextDecoder('latin1');

/** The head at the start of `buffer`, or undefined while its blank line has not arrived. */
export function parseResponseHead(buffer: Uint8Array): ResponseHead | undefined {
  const end = headEnd(buffer);
  if (end === -1) {
    if (buffer.byteLength > MAX_HEAD_BYTES)
      throw new Http1Error(`response head over ${MAX_HEAD_BYTES} bytes`);
    return undefined;
  }
  const lines = LATIN1.decode(buffer.subarray(0, end)).split(/\r?\n/);
  const status = STATUS_LINE.exec(lines[0] ?? '');
  if (!status)
    throw new Http1Error(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    // Obsolete line folding is refused rather than guessed at (RFC 9112 §5.2).
    if (line[0] === ' ' || line[0] === '\t') throw new Http1Error('folded header line');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!FIELD_NAME.test(name)) throw new Http1Error(`bad header line: ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    if (/[\r\0]/.test(value)) throw new Http1Error(`bad header value for ${name}`);
    headers.push([name.toLowerCase(), value]);
  }
  return { status: Number(status[1]), statusText: status[2] ?? '', headers, length: end };
}

/** How the body after `head` ends, per RFC 9112 §6.3 (for a response to a request other than HEAD). */
export function bodyFraming(head: ResponseHead): BodyFraming {
  if (head.status < 200 || head.status === 204 || head.status === 304) return { kind: 'none' };
  const encodings = head.headers.filter(([name]) => name === 'transfer-encoding').map(([, v]) => v);
  if (encodings.length > 0) {
    const codings = encodings
      .join(',')
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c.length > 0);
    // Only plain chunked is decodable here (requests ask for identity content).
    if (codings.length === 1 && codings[0] === 'chunked') return { kind: 'chunked' };
    throw new Http1Error(`unsupported transfer-encoding: ${encodings.join(', ').slice(0, 80)}`);
  }
  const lengths = head.headers.filter(([name]) => name === 'content-length').flatMap(([, v]) => v.split(','));
  if (lengths.length > 0) {
    const values = new Set(lengths.map((v) => v.trim()));
    const [only] = values;
    if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only))
      throw new Http1Error(`bad content-length: ${lengths.join(', ').slice(0, 80)}`);
    return { kind: 'length', length: Number(only) };
  }
  return { kind: 'close' };
}

/** Index just past the first empty line (CRLF CRLF, or bare LF LF), or -1. */
function headEnd(buffer: Uint8Array): number {
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) {
    if (buffer[i + 1] === 10) return i + 2;
    if (buffer[i + 1] === 13 && buffer[i + 2] === 10) return i + 3;
  }
  return -1;
}
