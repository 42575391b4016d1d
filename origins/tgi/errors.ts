import { EcoError } from '../../schemas/errors.ts';
import { mapOriginError } from '../errors.ts';

/**
 * The HTTP status TGI would have used for an error it reported inside a 200 stream
 * (`{"error","error_type"}`), so that in-stream errors map like their `/generate` twins.
 */
const STATUS_BY_TYPE: Record<string, number> = {
  validation: 422,
  template_error: 422,
  tool_error: 422,
  overloaded: 429,
  generation: 424,
  incomplete_generation: 500,
  healthcheck: 503,
};

export function tgiStreamError(engine: string, json: string, errorType: unknown): EcoError {
  const status = typeof errorType === 'string' ? (STATUS_BY_TYPE[errorType] ?? 500) : 500;
  const error = mapOriginError(engine, status, json, new Headers());
  if (error.status !== 400 || !TOO_LONG.test(json)) return error;
  return new EcoError(400, 'context_length_exceeded', error.message);
}

/** TGI's own over-long wordings, which the shared length hints do not all catch. */
export const TOO_LONG = /`inputs` must have less than \d+ tokens|`inputs` tokens \+ `max_new_tokens` must be/;

/** TGI finish reasons → OpenAI's: both `eos_token` and `stop_sequence` are a natural stop. */
export function tgiFinish(reason: unknown): 'stop' | 'length' | undefined {
  if (reason === 'length') return 'length';
  if (reason === 'eos_token' || reason === 'stop_sequence' || reason === 'stop') return 'stop';
  return undefined;
}
