import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '../../../workers/auth/failure-throttle.ts';

const fail = (t: FailureThrottle, client: string, times: number, now: number) => {
  for (let i = 0; i < times; i++) t.record(client, now);
};

describe('FailureThrottle under a flood of addresses', () => {
  it('keeps a blocked address blocked however many other addresses fail once', () => {
    const t = new FailureThrottle(3, 60_000, 4);
    fail(t, 'afe-attacker', 3, 1000);
    expect(t.blockedFor('afe-attacker', 1000)).toBe(60_000);
    // Many /64s, one failure each: far more than the table holds.
    for (let i = 0; i < 50; i++) t.record(`afe-oneoff-${i}`, 1001 + i);
    expect(t.blockedFor('afe-attacker', 2000)).toBe(59_000);
  });

  it('drops the oldest counts first when full, and keeps the newest', () => {
    const t = new FailureThrottle(3, 60_000, 2);
    fail(t, 'afe-old', 2, 0);
    fail(t, 'afe-mid', 2, 1);
    fail(t, 'afe-new', 2, 2); // the table holds two counts: afe-old's is dropped
    t.record('afe-old', 3); // its count starts again at one
    t.record('afe-new', 3); // its third failure in the window
    expect(t.blockedFor('afe-old', 3)).toBeUndefined();
    expect(t.blockedFor('afe-new', 3)).toBe(59_999);
  });

  it('bounds the blocks too, dropping the one whose window ends first', () => {
    const t = new FailureThrottle(1, 1000, 2);
    t.record('afe-b1', 0);
    t.record('afe-b2', 10);
    t.record('afe-b3', 20);
    expect(t.blockedFor('afe-b1', 30)).toBeUndefined();
    expect(t.blockedFor('afe-b2', 30)).toBe(980);
    expect(t.blockedFor('afe-b3', 30)).toBe(990);
  });

  it('starts a new window for an address whose block ended', () => {
    const t = new FailureThrottle(2, 1000, 10);
    fail(t, 'afe-again', 2, 0);
    expect(t.blockedFor('afe-again', 500)).toBe(500);
    t.record('afe-again', 1000);
    expect(t.blockedFor('afe-again', 1000)).toBeUndefined();
    t.record('afe-again', 1100);
    expect(t.blockedFor('afe-again', 1100)).toBe(900);
  });
});
