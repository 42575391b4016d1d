import { describe, expect, it, vi } from 'vitest';
import type { After } from '../../../workers/dispatch/request-timers.ts';
import { TimedReader } from '../../../workers/dispatch/timed-reader.ts';

const encoder = new TextEncoder();

/** A body that sends `chunks` at once and then never another byte (nor its end). */
function stallingBody(chunks: string[]): Response {
  return new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      },
    }),
  );
}

/** A scheduler woken by hand: the reader's watchdog runs only when `wake` is called. */
function manualTimers() {
  const entries: { ms: number; fn: () => void; live: boolean }[] = [];
  const after: After = (ms, fn) => {
    const entry = { ms, fn, live: true };
    entries.push(entry);
    return () => {
      entry.live = false;
    };
  };
  return {
    after,
    /** The delays of the timers armed and neither run nor cancelled. */
    armed: () => entries.filter((e) => e.live).map((e) => e.ms),
    /** Run every armed timer (not those they arm); how many ran. */
    wake(): number {
      const due = entries.filter((e) => e.live);
      for (const entry of due) {
        entry.live = false;
        entry.fn();
      }
      return due.length;
    },
  };
}

describe('TimedReader deadlines', () => {
  // The first read waits up to a minute; the idle limit after it is 30 ms. Without the fix the watchdog,
  // armed for the first read's minute, let the stall run that long (this test's 10 s limit guards it).
  it("ends a stall after output at the idle limit, not at the first read's longer limit", {
    timeout: 10_000,
  }, async () => {
    const reader = new TimedReader(stallingBody(['a', 'b']), 3_600_000);
    expect(await reader.read(60_000, 'its time to first token')).toBeDefined();
    expect(await reader.read(30, 'its idle limit')).toBeDefined();
    await expect(reader.read(30, 'its idle limit')).rejects.toMatchObject({
      status: 504,
      code: 'origin_timeout',
      message: 'The origin exceeded its idle limit (30 ms).',
    });
  });

  it('still waits out a longer limit that follows a shorter one', { timeout: 10_000 }, async () => {
    const timers = manualTimers();
    const reader = new TimedReader(stallingBody(['a']), 3_600_000, undefined, timers.after);
    expect(await reader.read(20, 'its time to first token')).toBeDefined();
    const idle = reader.read(500, 'its idle limit');
    let settled = false;
    idle.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    // The watchdog armed for the first read's 20 ms wakes (at once, here): the idle limit is not over,
    // so the read goes on and the watchdog is armed again for what is left of it.
    expect(timers.wake()).toBe(1);
    expect(timers.armed()).toEqual([expect.any(Number)]);
    expect(timers.armed()[0]).toBeGreaterThan(20);
    // Whatever the wake set off has run by the next task.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false);
    // Woken again until the idle limit is over: then, and only then, the read fails.
    await vi.waitFor(
      () => {
        timers.wake();
        expect(settled).toBe(true);
      },
      { timeout: 5_000, interval: 25 },
    );
    await expect(idle).rejects.toMatchObject({
      status: 504,
      message: 'The origin exceeded its idle limit (500 ms).',
    });
  });
});
