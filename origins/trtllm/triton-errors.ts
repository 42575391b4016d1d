import { EcoError } from '../../schemas/errors.ts';
import { mapOriginError, readErrorBody } from '../errors.ts';
import { TRITON_ENGINE } from './triton-request.ts';

// TRT-LLM's `max_queue_size` rejection; its HTTP status depends on how the backend classifies it.
const QUEUE_HINT = /queue (?:size|is full)|max_queue_size|too many requests/i;
// Triton answers 400 for a model that is still loading (its generic "everything else" status).
const NOT_READY_HINT = /not ready|no available versions|is not loaded|unavailable/i;
// A model name the server does not know is the pool's configuration, not the client's request.
const UNKNOWN_MODEL_HINT = /unknown model/i;

/** Status for a Triton error message: overload wins over whatever status came with it. */
export function tritonErrorStatus(message: string, fallback: number): number {
  if (QUEUE_HINT.test(message)) return 429;
  return fallback;
}

/**
 * Triton writes `{"error":"…"}`; when the very first response of a stream fails, the error status comes
 * with an SSE body (`data: {"error":…}`), so the `data:` prefix is removed before reading it.
 */
export function mapTritonError(status: number, body: string, headers: Headers): EcoError {
  const json = body.trimStart().startsWith('data:') ? body.trimStart().slice(5).trim() : body;
  const message = readErrorBody(json).message;
  if (QUEUE_HINT.test(message)) {
    return mapOriginError(TRITON_ENGINE, 429, json, headers);
  }
  if (status === 400 && UNKNOWN_MODEL_HINT.test(message)) {
    return new EcoError(502, 'origin_error', `${TRITON_ENGINE}: ${message} (check options.tritonModel)`);
  }
  if (status === 400 && NOT_READY_HINT.test(message)) {
    return mapOriginError(
      TRITON_ENGINE,
      503,
      JSON.stringify({ error: `model not ready: ${message}` }),
      headers,
    );
  }
  return mapOriginError(TRITON_ENGINE, status, json, headers);
}
