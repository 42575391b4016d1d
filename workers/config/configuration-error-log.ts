/**
 * The one shape of a `configuration_error` log line, whoever finds the mistake (an unusable setting,
 * once per isolate; an answer only the operator can fix, once per request). `event`, `code`,
 * `variable` (the var at fault; null where none is known: a stored row, a pool), `message` (what is
 * wrong, never a value that may be secret) and `request_id` (null when no request is at hand) are
 * always there, so one log query finds them all. `where` adds the request's status, method and path
 * (or streamed endpoint).
 */
export interface ConfigurationError {
  code: string;
  variable: string | null;
  message: string;
  requestId: string | null;
}

export interface ConfigurationErrorWhere {
  status?: number;
  method?: string | null;
  path?: string | null;
  endpoint?: string | null;
}

function configurationErrorLine(fault: ConfigurationError, where: ConfigurationErrorWhere = {}): string {
  return JSON.stringify({
    level: 'error',
    event: 'configuration_error',
    code: fault.code,
    variable: fault.variable,
    message: fault.message,
    request_id: fault.requestId,
    ...where,
  });
}

export function logConfigurationError(fault: ConfigurationError, where?: ConfigurationErrorWhere): void {
  console.error(configurationErrorLine(fault, where));
}

/** The var a message is about when it starts by naming one (`ECO_JWT_ISSUER holds a comma; …`). */
export function variableNamedIn(message: string): string | null {
  return /^(ECO_[A-Z0-9_]+)\b/.exec(message)?.[1] ?? null;
}
