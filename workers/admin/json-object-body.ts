import { EcoError } from '../../schemas/errors.ts';
import { readJsonBody } from '../http/json-body.ts';

/** An admin request body, which must be one JSON object (configs and patches alike). */
export async function readJsonObjectBody(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const raw = await readJsonBody(request, maxBytes);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new EcoError(400, 'invalid_request', 'The body must be a JSON object.');
  return raw as Record<string, unknown>;
}
