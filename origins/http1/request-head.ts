/** Header fields the transport sets itself: framing and connection management are not the caller's. */
const TRANSPORT_FIELDS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'accept-encoding',
]);

const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What `Headers` refuses in a value (once trimmed): a line break or NUL. Anything else goes as UTF-8. */
const BAD_VALUE = /[\0\r\n]/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** A field value as `Headers` keeps it: without leading or trailing whitespace (a secret's newline). */
export function fieldValue(value: string): string {
  return value.replace(EDGE_WHITESPACE, '');
}

/** Whether a header field (its value trimmed with `fieldValue`) may be written into a request head. */
export function isFieldAllowed(name: string, value: string): boolean {
  return FIELD_NAME.test(name) && !BAD_VALUE.test(value);
}

/**
 * The head of an HTTP/1.1 request for one exchange on its own connection: the connection closes after
 * the response, and the body is asked for without content coding so it can be relayed as it comes.
 * Fields come as a plain record (lower-case names) and are checked here, as `Headers` would check them:
 * a line break would forge another field.
 */
export function requestHead(
  method: string,
  url: URL,
  headers: Record<string, string>,
  bodyLength?: number,
): string {
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const name in headers) {
    const value = fieldValue(headers[name] as string);
    if (!isFieldAllowed(name, value))
      throw new TypeError(`header field '${name.slice(0, 60)}' is not allowed`);
    if (!TRANSPORT_FIELDS.has(name.toLowerCase())) head += `${name}: ${value}\r\n`;
  }
  if (bodyLength !== undefined) head += `content-length: ${bodyLength}\r\n`;
  return `${head}accept-encoding: identity\r\nconnection: close\r\n\r\n`;
}
