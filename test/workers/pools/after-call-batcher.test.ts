import { describe, expect, it } from 'vitest';
import { AfterCallBatcher, type Sleep } from '../../../workers/dispatch/after-call-batcher.ts';

/** A timer the test fires by hand: `fire()` elapses every sleep started so far. */
function manualTimer() {
  const waiting: (() => void)[] = [];
  const sleep: Sleep = () => new Promise<void>((resolve) => waiting.push(resolve));
  return {
    sleep,
    pending: () => waiting.length,
    async fire() {
      for (const wake of waiting.splice(0)) wake();
      // Let the woken flushes run their sends.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

function recorder(fail?: Error) {
  const calls: string[][] = [];
  const send = async (items: string[]) => {
    calls.push(items);
    if (fail) throw fail;
  };
  return { calls, send };
}

describe('after-call batcher', () => {
  it('sends every item pending for a key in one call once the window passes', async () => {
    const timer = manualTimer();
    const b = new AfterCallBatcher<string>(20, timer.sleep);
    const { calls, send } = recorder();
    const done = [b.add('p', 'a', send), b.add('p', 'b', send), b.add('q', 'c', send)];
    expect(calls).toEqual([]);
    expect(b.size('p')).toBe(2);
    await timer.fire();
    expect(calls).toEqual([['a', 'b'], ['c']]);
    await Promise.all(done);
    expect(b.size('p') + b.size('q')).toBe(0);
  });

  it('hands pending items to a call made anyway; their own windows then send nothing', async () => {
    const timer = manualTimer();
    const b = new AfterCallBatcher<string>(20, timer.sleep);
    const { calls, send } = recorder();
    const done = [b.add('p', 'a', send), b.add('p', 'b', send)];
    expect(b.take('p')).toEqual(['a', 'b']);
    expect(b.take('p')).toEqual([]);
    expect(b.size('p')).toBe(0);
    await timer.fire();
    await Promise.all(done);
    expect(calls).toEqual([]);
  });

  it('a failed flush rejects the sender whose window sent it, and keeps nothing behind', async () => {
    const timer = manualTimer();
    const b = new AfterCallBatcher<string>(20, timer.sleep);
    const { calls, send } = recorder(new Error('boom'));
    const results = [b.add('p', 'a', send), b.add('p', 'b', send)].map((p) =>
      p.then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    await timer.fire();
    // The first window to pass sends both; the second finds its item gone.
    expect(await Promise.all(results)).toEqual(['boom', 'ok']);
    expect(calls).toEqual([['a', 'b']]);
    expect(b.size('p')).toBe(0);
  });

  it('starts a fresh batch after a take: later items get their own window', async () => {
    const timer = manualTimer();
    const b = new AfterCallBatcher<string>(20, timer.sleep);
    const { calls, send } = recorder();
    const early = b.add('p', 'a', send);
    expect(b.take('p')).toEqual(['a']);
    const late = b.add('p', 'b', send);
    expect(timer.pending()).toBe(2);
    await timer.fire();
    await Promise.all([early, late]);
    expect(calls).toEqual([['b']]);
  });

  it('flushes on demand and does nothing with an empty key', async () => {
    const timer = manualTimer();
    const b = new AfterCallBatcher<string>(20, timer.sleep);
    const { calls, send } = recorder();
    await b.flush('p', send);
    expect(calls).toEqual([]);
    const done = b.add('p', 'a', send);
    await b.flush('p', send);
    expect(calls).toEqual([['a']]);
    await timer.fire();
    await done;
    expect(calls).toEqual([['a']]);
  });
});
