import { describe, expect, it } from 'vitest';
import { TimedReader } from '../../../workers/dispatch/timed-reader.ts';

const encoder = new TextEncoder();

/** A body that sends a chunk every `gapMs`, forever. */
function tricklingBody(gapMs: number): Response {
  let timer: ReturnType<typeof setInterval> | null = null;
  return new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        timer = setInterval(() => controller.enqueue(encoder.encode('x')), gapMs);
      },
      cancel() {
        if (timer !== null) clearInterval(timer);
      },
    }),
  );
}

describe('TimedReader total limit', () => {
  // The error names the configured total limit, not what was left of it at the last read.
  it('a stream cut at the total limit says that limit', async () => {
    const reader = new TimedReader(tricklingBody(20), 150);
    let error: unknown;
    try {
      for (;;) await reader.read(1000, 'its idle limit');
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({
      status: 504,
      code: 'origin_timeout',
      message: 'The origin exceeded the total time limit (150 ms).',
    });
  });

  it('a whole body cut at the total limit says that limit', async () => {
    const reader = new TimedReader(tricklingBody(20), 150);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(reader.wholeText(1000, 'its time to first byte')).rejects.toMatchObject({
      message: 'The origin exceeded the total time limit (150 ms).',
    });
  });
});
