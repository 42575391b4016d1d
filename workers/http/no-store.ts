/**
 * Headers for an answer that carries a credential (an access token, a key's secret): no cache between
 * the gateway and its caller may keep a copy (RFC 6749 §5.1; `pragma` for HTTP/1.0 caches).
 */
export const CREDENTIAL_HEADERS = { 'cache-control': 'no-store', pragma: 'no-cache' };
