import { describe, expect, it } from 'vitest';
import { classifySend } from '../../../workers/im/send/outcome.ts';

const graph = (error: Record<string, unknown>) => JSON.stringify({ error: { message: 'x', ...error } });

describe('classifySend: Meta Graph errors', () => {
  it('retries throttling and transient codes even when Meta answers them with HTTP 400', () => {
    for (const code of [4, 613, 80007, 130429, 131056]) {
      expect(classifySend(400, graph({ code }), new Headers(), { meta: true })).toMatchObject({
        kind: 'retry',
        status: 400,
      });
    }
    expect(
      classifySend(400, graph({ code: 1200, is_transient: true }), new Headers(), { meta: true }).kind,
    ).toBe('retry');
  });

  it('keeps real refusals permanent', () => {
    expect(classifySend(400, graph({ code: 100 }), new Headers(), { meta: true }).kind).toBe('permanent');
    expect(classifySend(401, graph({ code: 190 }), new Headers(), { meta: true }).kind).toBe('permanent');
    expect(classifySend(400, 'not json', new Headers(), { meta: true }).kind).toBe('permanent');
    // Other platforms' 400s are not read as Graph errors.
    expect(classifySend(400, graph({ code: 613 }), new Headers()).kind).toBe('permanent');
  });
});

describe('classifySend: Retry-After', () => {
  it('honours the HTTP-date form as well as seconds', () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    const outcome = classifySend(503, '', new Headers({ 'retry-after': at }));
    expect(outcome.kind).toBe('retry');
    const ms = outcome.kind === 'retry' ? (outcome.retryAfterMs ?? 0) : 0;
    expect(ms).toBeGreaterThan(110_000);
    expect(ms).toBeLessThanOrEqual(120_000);
    // A date in the past is no hint at all.
    const past = classifySend(429, '', new Headers({ 'retry-after': new Date(0).toUTCString() }));
    expect(past).toEqual({ kind: 'retry', status: 429 });
  });
});
