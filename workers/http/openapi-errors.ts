import { ErrorResponse } from '../../schemas/openai/error.ts';

/** One documented error answer in OpenAI's shape. */
export function errorAnswer(description: string) {
  return { description, content: { 'application/json': { schema: ErrorResponse } } };
}

/**
 * What bearer authentication itself answers, on every route behind it: a refused credential, an
 * address throttled after repeated refusals, and a JWT whose identity provider cannot be reached.
 */
export const credentialErrors = {
  401: errorAnswer('Missing or invalid credential'),
  429: errorAnswer('Too many invalid credentials from this address (with `retry-after`)'),
  503: errorAnswer("A JWT's identity provider keys could not be fetched (with `retry-after`)"),
};

/** What any route that reads a request body answers for a compression it does not take. */
export const UNSUPPORTED_ENCODING =
  'A `Content-Encoding` other than gzip or deflate (`unsupported_content_encoding`)';
export const unsupportedEncodingAnswer = errorAnswer(UNSUPPORTED_ENCODING);

/** Every error an inference route may answer before its first token, as the OpenAPI document lists them. */
export const inferenceErrors = {
  400: errorAnswer('Invalid request, or the engine does not support it'),
  401: credentialErrors[401],
  403: errorAnswer(
    'The key lacks the `inference` scope, or pins a pool (`x-eco-pool`) without the `admin` scope',
  ),
  404: errorAnswer('Unknown model, or one this key may not use (the same answer)'),
  413: errorAnswer('The request body is too large (decompressed, when sent with `Content-Encoding`)'),
  415: unsupportedEncodingAnswer,
  429: errorAnswer(
    'Rate limited, over budget or pool saturated, or too many invalid credentials from this address (with `retry-after`)',
  ),
  502: errorAnswer('The origin failed or answered malformed'),
  503: errorAnswer(
    "No origin available, or a JWT's identity provider keys could not be fetched (with `retry-after`)",
  ),
  504: errorAnswer('The origin timed out'),
};
