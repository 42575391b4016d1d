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

/**
 * The head of an HTTP/1.1 request for one exchange on its own connection: the connection closes after
 * the response, and the body is asked for without content coding so it can be relayed as it comes.
 * Field values come from a `Headers` object, which has already refused line breaks in them.
 */
export function requestHead(method: string, url: URL, headers: Headers, bodyLength?: number): string {
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of headers) {
    if (!TRANSPORT_FIELDS.has(name)) head += `${name}: ${value}\r\n`;
  }
  if (bodyLength !== undefined) head += `content-length: ${bodyLength}\r\n`;
  return `${head}accept-encoding: identity\r\nconnection: close\r\n\r\n`;
}
