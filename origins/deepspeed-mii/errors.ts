import { EcoError } from '../../schemas/errors.ts';
import { mapOriginError } from '../errors.ts';

/** FastChat's error codes as MII's OpenAI server writes them (every error comes with HTTP 400). */
const INVALID_MODEL = 40301;

/**
 * MII answers every OpenAI-server error with 400 and a FastChat integer code; an unknown model name is
 * the gateway's configuration fault, not the client's. The REST gateway writes Flask defaults.
 */
export function mapMiiError(engine: string, status: number, body: string, headers: Headers): EcoError {
  let code: unknown;
  try {
    code = (JSON.parse(body) as { code?: unknown })?.code;
  } catch {
    code = undefined;
  }
  if (code === INVALID_MODEL) {
    const mapped = mapOriginError(engine, 404, body, headers);
    return new EcoError(502, 'origin_error', mapped.message);
  }
  return mapOriginError(engine, status, body, headers);
}
