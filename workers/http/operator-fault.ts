import type { EcoError } from '../../schemas/errors.ts';
import { logConfigurationError, variableNamedIn } from '../config/configuration-error-log.ts';

/** Answers only the operator can fix (a setting, a stored row): the caller who gets them cannot act on them. */
const OPERATOR_FAULT = /_(misconfigured|unconfigured)$|^api_key_record_invalid$/;

/**
 * One structured log line per such answer, so the operator sees it without a caller reporting it. Its
 * message is the one the caller got (the variable and what is wrong, never a value that may be secret);
 * `where` says which request (request_id, method, path without its query or streamed endpoint), never
 * its headers.
 */
export function logIfOperatorFault(error: EcoError, where: Record<string, string | null>): void {
  if (!OPERATOR_FAULT.test(error.code)) return;
  const { request_id = null, method = null, path, endpoint } = where;
  logConfigurationError(
    {
      code: error.code,
      variable: variableNamedIn(error.message),
      message: error.message,
      requestId: request_id,
    },
    {
      status: error.status,
      method,
      ...(path === undefined ? {} : { path }),
      ...(endpoint === undefined ? {} : { endpoint }),
    },
  );
}
