import type { EcoError } from '../../schemas/errors.ts';

/** Answers only the operator can fix (a setting, a stored row): the caller who gets them cannot act on them. */
const OPERATOR_FAULT = /_(misconfigured|unconfigured)$|^api_key_record_invalid$/;

/**
 * One structured log line per such answer, so the operator sees it without a caller reporting it. Its
 * message is the one the caller got (the variable and what is wrong, never a value that may be secret);
 * `where` says which request (id, method, path without its query), never its headers.
 */
export function logIfOperatorFault(error: EcoError, where: Record<string, string | null>): void {
  if (!OPERATOR_FAULT.test(error.code)) return;
  console.error(
    JSON.stringify({
      level: 'error',
      event: 'configuration_error',
      status: error.status,
      code: error.code,
      message: error.message,
      ...where,
    }),
  );
}
