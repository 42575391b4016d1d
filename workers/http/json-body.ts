import { EcoError } from '../../schemas/errors.ts';

/**
 * Read a request body as JSON under a byte limit. The limit is enforced while reading, so a client
 * that lies about (or omits) Content-Length cannot make the isolate buffer more than the limit.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const text = await readTextBody(request, maxBytes);
  if (text.trim().length === 0)
    throw new EcoError(400, 'invalid_json', 'The request body is empty; send JSON.');
  try {
    return JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? `: ${err.message}` : '';
    throw new EcoError(400, 'invalid_json', `The request body is not valid JSON${detail}`);
  }
}

export async function readTextBody(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return '';
  // A declared length within the limit is enforced by HTTP framing: let the runtime read it natively.
  if (Number.isFinite(declared) && request.headers.has('content-length')) return request.text();
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function tooLarge(maxBytes: number): EcoError {
  return new EcoError(413, 'body_too_large', `The request body exceeds ${maxBytes} bytes.`);
}
