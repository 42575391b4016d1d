import { describe, expect, it } from 'vitest';
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
    const reader = new TimedReader(stallingBody(['a']), 3_600_000);
    expect(await reader.read(20, 'its time to first token')).toBeDefined();
    await expect(reader.read(60, 'its idle limit')).rejects.toMatchObject({
      message: 'The origin exceeded its idle limit (60 ms).',
    });
  });
});
