import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../../origins/emulator/server.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ controlPort: 0, origins: [{ engine: 'vllm', id: 'vllm-1' }] });
});
afterAll(() => emulator.close());

async function control(method: string, path: string, body?: string) {
  const res = await fetch(`${emulator.controlUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('emulator control API input', () => {
  it.each(['null', '"text"', '[1,2]', '42'])(
    'answers 400 to a body that is JSON but not an object (%s)',
    async (body) => {
      for (const path of ['/_control/settings', '/_control/faults']) {
        const res = await control('POST', path, body);
        expect(res.status, path).toBe(400);
        expect(res.body.error).toBe('body must be a JSON object');
      }
      // Still serving: a bad body never takes the emulator down.
      expect((await control('GET', '/health')).status).toBe(200);
    },
  );

  it('answers 400 to a body that is not JSON', async () => {
    expect(await control('POST', '/_control/settings', '{bad')).toEqual({
      status: 400,
      body: { error: 'body is not JSON' },
    });
  });

  it.each([
    [{ tokensPerSecond: -1 }, 'tokensPerSecond'],
    [{ tokensPerSecond: 1e-9 }, 'tokensPerSecond'],
    [{ ttftMs: -5 }, 'ttftMs'],
    [{ ttftMs: 1e15 }, 'ttftMs'],
    [{ answerTokens: 1e12 }, 'answerTokens'],
    [{ answerTokens: 2.5 }, 'answerTokens'],
    [{ defaultMaxTokens: -1 }, 'defaultMaxTokens'],
    [{ tokensperSecond: 5 }, "unknown field 'tokensperSecond'"],
    [{ ttftMs: 0, bogus: 1 }, "unknown field 'bogus'"],
  ])('refuses settings %j and changes nothing', async (settings, named) => {
    const before = (await control('GET', '/_control/settings')).body;
    const res = await control('POST', '/_control/settings', JSON.stringify(settings));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(named);
    expect((await control('GET', '/_control/settings')).body).toEqual(before);
  });

  it('takes settings in range', async () => {
    const res = await control(
      'POST',
      '/_control/settings',
      JSON.stringify({ tokensPerSecond: 0, ttftMs: 0, answerTokens: 1000 }),
    );
    expect(res).toMatchObject({ status: 200, body: { tokensPerSecond: 0, ttftMs: 0, answerTokens: 1000 } });
  });

  it.each([
    [{ engine: 'vllm', mode: 'status', status: 99999 }, 'status'],
    [{ engine: 'vllm', mode: 'status', status: 200 }, 'status'],
    [{ engine: 'vllm', mode: 'latency', delayMs: 1e15 }, 'delayMs'],
    [{ engine: 'vllm', mode: 'status', count: 0 }, 'count'],
    [{ engine: 'vllm', mode: 'status', statsu: 500 }, "unknown field 'statsu'"],
  ])('refuses fault %j and adds none', async (fault, named) => {
    const res = await control('POST', '/_control/faults', JSON.stringify(fault));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toContain(named);
    expect((await control('GET', '/_control/faults')).body).toEqual({ faults: [] });
  });

  it('takes a fault in range', async () => {
    const res = await control(
      'POST',
      '/_control/faults',
      JSON.stringify({ engine: 'vllm', mode: 'status', status: 503, count: 1 }),
    );
    expect(res.status).toBe(201);
    await control('DELETE', '/_control/faults');
  });

  it('answers 404 to an unknown control path, whatever its body', async () => {
    expect((await control('GET', '/_control/nope')).status).toBe(404);
    expect((await control('POST', '/_control/nope', '{bad')).status).toBe(404);
  });
});
