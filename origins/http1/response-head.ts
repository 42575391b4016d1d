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
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: number;
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

// Reason phrase and field values: HTAB, SP, visible ASCII and obs-text (RFC 9112 §4, RFC 9110 §5.5).
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The head at the start of `buffer`, or undefined while its blank line has not arrived. */
export function parseResponseHead(buffer: Uint8Array): ResponseHead | undefined {
  const end = headEnd(buffer);
  if (end === -1 ? buffer.byteLength > MAX_HEAD_BYTES : end > MAX_HEAD_BYTES)
    throw new Http1Error(`response head over ${MAX_HEAD_BYTES} bytes`);
  if (end === -1) return undefined;
  const lines = bytesToLatin1(buffer.subarray(0, end)).split(/\r?\n/);
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
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (!FIELD_VALUE.test(value)) throw new Http1Error(`bad header value for ${name}`);
    headers.push([name.toLowerCase(), value]);
  }
  return {
    minor: Number(status[1]),
    status: Number(status[2]),
    statusText: status[3] ?? '',
    headers,
    length: end,
  };
}

/** How the body after `head` ends, per RFC 9112 §6.3 (for a response to a request other than HEAD). */
export function bodyFraming(head: ResponseHead): BodyFraming {
  if (head.status < 200 || head.status === 204 || head.status === 205 || head.status === 304)
    return { kind: 'none' };
  const encodings = head.headers.filter(([name]) => name === 'transfer-encoding').map(([, v]) => v);
  if (encodings.length > 0) {
    // HTTP/1.0 has no transfer codings: such framing cannot be trusted (RFC 9112 §6.1).
    if (head.minor === 0) throw new Http1Error('transfer-encoding in an HTTP/1.0 response');
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

/** Each byte as the character of the same code (exact, unlike the `latin1` label, which is windows-1252). */
function bytesToLatin1(bytes: Uint8Array): string {
  let text = '';
  for (let at = 0; at < bytes.byteLength; at += 8192)
    text += String.fromCharCode(...bytes.subarray(at, at + 8192));
  return text;
}

/** Index just past the first empty line (CRLF CRLF, or bare LF LF), or -1. */
function headEnd(buffer: Uint8Array): number {
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) {
    if (buffer[i + 1] === 10) return i + 2;
    if (buffer[i + 1] === 13 && buffer[i + 2] === 10) return i + 3;
  }
  return -1;
}
