import { ErrorResponse } from '../../schemas/openai/error.ts';

/** One documented error answer in OpenAI's shape. */
export function errorAnswer(description: string) {
  return { description, content: { 'application/json': { schema: ErrorResponse } } };
}

/** Every error an inference route may answer before its first token, as the OpenAPI document lists them. */
export const inferenceErrors = {
  400: errorAnswer('Invalid request, or the engine does not support it'),
  401: errorAnswer('Missing or invalid credential'),
  403: errorAnswer('The key lacks the `inference` scope or may not use the model'),
  404: errorAnswer('Unknown model'),
  413: errorAnswer('The request body is too large'),
  429: errorAnswer('Rate limited, over budget or pool saturated (with `retry-after`)'),
  502: errorAnswer('The origin failed or answered malformed'),
  503: errorAnswer('No origin available (with `retry-after`)'),
  504: errorAnswer('The origin timed out'),
};
