import { describe, expect, it } from 'vitest';
import { cleanMessage } from '../../../origins/error-answer.ts';
import { adapterFor, registeredProtocols } from '../../../origins/registry.ts';
import type { CallContext } from '../../../origins/types.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { ctx, pool } from './replay-b.ts';

/** A 200 whose body is an engine's error envelope: a 502 `origin_error` with the engine's message. */

const BODIES = [
  '{"error":{"message":"CUDA out of memory","type":"InternalServerError","code":500}}',
  '{"error":"CUDA out of memory"}',
  '{"object":"error","message":"CUDA out of memory","type":"InternalServerError","param":null,"code":500}',
];

function failure(decode: () => unknown): EcoError {
  try {
    decode();
  } catch (err) {
    if (err instanceof EcoError) return err;
    throw err;
  }
  throw new Error('decoded without an error');
}

describe('a 200 answer that is an error envelope', () => {
  for (const protocol of registeredProtocols()) {
    const adapter = adapterFor(protocol)!;
    const c = (): CallContext => ctx(pool(protocol), { stream: false });

    it(`${protocol}: chat is a 502 origin_error carrying the engine's message`, () => {
      for (const body of BODIES) {
        const err = failure(() => adapter.decodeChat(body, c()));
        expect(err, body).toMatchObject({ status: 502, code: 'origin_error' });
        expect(err.message, body).toContain('CUDA out of memory');
        expect(err.message).toContain(adapter.engine);
      }
    });

    for (const [name, exchange] of [
      ['completions', adapter.completions],
      ['embeddings', adapter.embeddings],
    ] as const) {
      if (!exchange) continue;
      it(`${protocol}: ${name} is a 502 origin_error carrying the engine's message`, () => {
        for (const body of BODIES) {
          const err = failure(() => exchange.decode(body, c()));
          expect(err, body).toMatchObject({ status: 502, code: 'origin_error' });
          expect(err.message, body).toContain('CUDA out of memory');
        }
      });
    }
  }

  it('the message loses its control characters and is cut to a bounded length', () => {
    const long = `bad\u0000\u0007\r\nthing\u009b${'x'.repeat(5000)}`;
    const err = failure(() =>
      adapterFor('vllm')!.decodeChat(JSON.stringify({ error: { message: long } }), ctx(pool('vllm'))),
    );
    expect(err.message.startsWith('vLLM: bad thing x')).toBe(true);
    expect(err.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(err.message.length).toBeLessThanOrEqual(320);
    expect(cleanMessage(' \n ')).toBe('error without a message');
    // A cut never leaves half of a surrogate pair.
    expect(cleanMessage(`${'a'.repeat(299)}😊tail`)).toBe(`${'a'.repeat(299)}…`);
  });

  it('answers that merely mention errors still decode', () => {
    const body = JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'engine-model',
      error: null,
      choices: [{ index: 0, message: { role: 'assistant', content: 'no error' }, finish_reason: 'stop' }],
    });
    const out = adapterFor('vllm')!.decodeChat(body, ctx(pool('vllm'), { stream: false }));
    expect(out.choices[0]?.message.content).toBe('no error');
  });
});
