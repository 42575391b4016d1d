import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../origins/emulator/server.ts';

// The emulated engines accept and refuse request fields as the real servers' request models do, so a
// field the gateway sends (or must not send) is caught here before a real engine sees it.

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({
    controlPort: 0,
    origins: [{ engine: 'trtllm-serve', id: 'trt-1' }],
  });
});
afterAll(() => emulator.close());

async function chat(extra: Record<string, unknown>) {
  const res = await fetch(`${emulator.origins[0]!.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
      ...extra,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('trtllm-serve request model', () => {
  it.each(['low', 'medium', 'high'])('takes reasoning_effort %s', async (effort) => {
    expect((await chat({ reasoning_effort: effort })).status).toBe(200);
  });

  it.each(['minimal', 'extreme', 3])('refuses reasoning_effort %j as a validation error', async (effort) => {
    const res = await chat({ reasoning_effort: effort });
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain("'loc': ('body', 'reasoning_effort')");
  });

  it('still refuses a field it does not know', async () => {
    const res = await chat({ frobnicate: 1 });
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain('extra_forbidden');
  });
});
