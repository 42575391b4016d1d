import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestTimers } from '../../../workers/dispatch/request-timers.ts';

// A request's deadlines share one runtime timer: scheduling later deadlines and cancelling them costs
// no timer calls, and each still runs when due, in order, unless cancelled or the request is over.
// The runtime's timer calls are counted with spies: in a workerd of its own, no other file's timers count.

afterEach(() => vi.restoreAllMocks());

describe('RequestTimers', () => {
  it('arms one runtime timer, for the earliest deadline, however many are scheduled and cancelled', async () => {
    const set = vi.spyOn(globalThis, 'setTimeout');
    const clear = vi.spyOn(globalThis, 'clearTimeout');
    const timers = new RequestTimers();
    const cancels = [15_000, 5_000, 30_000, 60_000, 30_000].map((ms) => timers.after(ms, () => {}));
    // Armed once the scheduling code has yielded.
    expect(set).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(set).toHaveBeenCalledTimes(1);
    expect(set.mock.calls[0]?.[1]).toBeLessThanOrEqual(5_000);
    cancels.push(timers.after(20_000, () => {}));
    await Promise.resolve();
    expect(set).toHaveBeenCalledTimes(1);
    for (const cancel of cancels) cancel();
    expect(clear).not.toHaveBeenCalled();
    timers.stop();
    expect(set).toHaveBeenCalledTimes(1);
    expect(clear).toHaveBeenCalledTimes(1);
  });

  it('runs what is due in deadline order, skips what was cancelled, and re-arms for what is left', async () => {
    const timers = new RequestTimers();
    const ran: string[] = [];
    timers.after(400, () => ran.push('400'));
    timers.after(20, () => ran.push('20'));
    const cancel = timers.after(30, () => ran.push('30 (cancelled)'));
    timers.after(40, () => {
      ran.push('40');
      throw new Error('a failing deadline does not stop the others');
    });
    timers.after(40, () => {
      ran.push('40 too');
      // Scheduled while firing: earlier than what is left, so it runs first.
      timers.after(5, () => ran.push('45'));
    });
    cancel();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await vi.waitFor(() => expect(ran).toHaveLength(5), { timeout: 2_000, interval: 10 });
    expect(ran).toEqual(['20', '40', '40 too', '45', '400']);
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('a deadline cancelled, or the request ended, by one due in the same wake does not run', async () => {
    const timers = new RequestTimers();
    const ran: string[] = [];
    // Equal deadlines are due in the same wake and run in the order they were scheduled.
    let cancelSecond = () => {};
    timers.after(10, () => {
      ran.push('first');
      cancelSecond();
    });
    cancelSecond = timers.after(10, () => ran.push('cancelled'));
    timers.after(20, () => {
      ran.push('stops');
      timers.stop();
    });
    timers.after(20, () => ran.push('after the stop'));
    await vi.waitFor(() => expect(ran).toContain('stops'), { timeout: 2_000, interval: 10 });
    expect(ran).toEqual(['first', 'stops']);
  });

  it('runs nothing once stopped; a deadline scheduled after that gets a timer of its own', async () => {
    const timers = new RequestTimers();
    const ran: string[] = [];
    timers.after(10, () => ran.push('before stop'));
    timers.stop();
    timers.after(10, () => ran.push('after stop'));
    // Both were due at the same time: had the first not been dropped, it would have run by now too.
    await vi.waitFor(() => expect(ran).toContain('after stop'), { timeout: 2_000, interval: 10 });
    expect(ran).toEqual(['after stop']);
  });
});
