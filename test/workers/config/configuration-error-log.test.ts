import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import { variableNamedIn } from '../../../workers/config/configuration-error-log.ts';
import { logIfOperatorFault } from '../../../workers/http/operator-fault.ts';

// The line an operator's log query looks for has one shape, whoever writes it; the settings reader's
// line is pinned in settings-in-use.test.ts, the request path's in identity/config-error-log.test.ts.

let errors: MockInstance;
beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

/** The configuration_error lines logged, parsed (other files' background work may log too). */
const lines = () =>
  errors.mock.calls
    .map((args) => args.map(String).join(' '))
    .filter((line) => line.includes('"configuration_error"'))
    .map((line) => JSON.parse(line) as unknown);

describe('a configuration answer on a streamed request', () => {
  it('is logged with the endpoint in place of the path, in the same shape', () => {
    const error = new EcoError(
      500,
      'jwt_misconfigured',
      'ECO_JWT_ISSUER holds a comma; it names one issuer.',
    );
    logIfOperatorFault(error, { request_id: 'req-s1', method: 'POST', endpoint: 'chat' });
    expect(lines()).toEqual([
      {
        level: 'error',
        event: 'configuration_error',
        code: 'jwt_misconfigured',
        variable: 'ECO_JWT_ISSUER',
        message: 'ECO_JWT_ISSUER holds a comma; it names one issuer.',
        request_id: 'req-s1',
        status: 500,
        method: 'POST',
        endpoint: 'chat',
      },
    ]);
  });

  it('about a stored row or a pool names no variable', () => {
    logIfOperatorFault(
      new EcoError(502, 'origin_misconfigured', "Pool 'p' names a secret that is not set."),
      {
        request_id: null,
        method: 'POST',
        path: '/v1/chat/completions',
      },
    );
    expect(lines()).toMatchObject([{ code: 'origin_misconfigured', variable: null, request_id: null }]);
  });

  it('is not logged for a refusal the caller can act on', () => {
    logIfOperatorFault(new EcoError(429, 'rate_limited', 'Slow down.'), { request_id: 'r', method: 'GET' });
    logIfOperatorFault(new EcoError(500, 'internal_error', 'ECO_X broke.'), {
      request_id: 'r',
      method: 'GET',
    });
    expect(errors).not.toHaveBeenCalled();
  });
});

describe('the variable a message names', () => {
  it.each([
    ['ECO_JWT_MAX_BYTES is 5, not a whole number', 'ECO_JWT_MAX_BYTES'],
    ['ECO_INTERNAL_SECRET is not set (16+ characters).', 'ECO_INTERNAL_SECRET'],
    ["Pool 'p' names ECO_IM_X_TOKEN, which is not set.", null],
    ['ECO_ is not a name', null],
    ["API key 'k' has a stored record that is invalid", null],
  ])('%j: %j', (message, variable) => {
    expect(variableNamedIn(message)).toBe(variable);
  });
});
