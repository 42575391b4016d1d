import { describe, expect, it } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import { errorResponse } from '../../../workers/http/error-response.ts';

// The OpenAI SDKs retry 408, 409, 429 and every 5xx twice unless told `x-should-retry: false`.

describe('x-should-retry', () => {
  it('is false on failures a retry cannot mend', () => {
    for (const [status, code] of [
      [502, 'origin_response_too_large'],
      [502, 'origin_misconfigured'],
      [500, 'jwt_misconfigured'],
      [503, 'engine_unsupported'],
      [409, 'idempotency_key_reused'],
      [409, 'job_not_cancellable'],
    ] as const) {
      const res = errorResponse(new EcoError(status, code, 'x'));
      expect(res.headers.get('x-should-retry'), code).toBe('false');
      expect(res.headers.get('retry-after'), code).toBeNull();
    }
  });

  it('is absent where a retry may succeed, which carries Retry-After instead', () => {
    for (const [status, code] of [
      [503, 'origin_unavailable'],
      [429, 'rate_limit_exceeded'],
      [502, 'origin_error'],
      [504, 'origin_timeout'],
    ] as const) {
      const res = errorResponse(new EcoError(status, code, 'x'));
      expect(res.headers.get('x-should-retry'), code).toBeNull();
    }
    expect(errorResponse(new EcoError(503, 'origin_unavailable', 'x')).headers.get('retry-after')).toBe('1');
  });
});
