import { describe, expect, it } from 'vitest';
import { tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { ctx, pool } from './replay-b.ts';

/**
 * `/v1/completions` of TGI's Messages API. TGI's `CompletionRequest` (router/src/lib.rs) has `stop` as a
 * list only, an unsigned `seed`, `top_p` checked strictly inside (0, 1) (router/src/validation.rs), and
 * no `echo`, `logprobs` or `presence_penalty`: serde drops those unread, and `suffix` is a 422
 * (router/src/server.rs `completions`).
 */

const completions = tgiMessagesAdapter.completions!;
const build = (req: Record<string, unknown>) =>
  JSON.parse(
    completions.build(
      { model: 'client-model', prompt: 'Say', ...req },
      ctx(pool('tgi-messages'), { stream: false }),
    ).body!,
  );

function refusal(req: Record<string, unknown>): EcoError {
  try {
    build(req);
  } catch (err) {
    return err as EcoError;
  }
  throw new Error(`not refused: ${JSON.stringify(req)}`);
}

describe('TGI Messages API /v1/completions requests', () => {
  it('sends a single stop string as the list TGI reads', () => {
    expect(build({ stop: '\n' }).stop).toEqual(['\n']);
    expect(build({ stop: ['a', 'b'] }).stop).toEqual(['a', 'b']);
  });

  it('sends a negative seed as the unsigned seed TGI takes', () => {
    expect(build({ seed: -1 }).seed).toBe(4294967295);
    expect(build({ seed: 7 }).seed).toBe(7);
  });

  it('leaves out a top_p TGI would refuse (1, or with greedy temperature 0)', () => {
    expect(build({ top_p: 1 })).not.toHaveProperty('top_p');
    expect(build({ top_p: 0.9, temperature: 0 })).not.toHaveProperty('top_p');
    expect(build({ top_p: 0.9 }).top_p).toBe(0.9);
  });

  it('refuses options TGI would ignore or reject, naming them', () => {
    for (const [field, value] of [
      ['echo', true],
      ['logprobs', 2],
      ['suffix', 'end'],
      ['presence_penalty', 0.5],
    ] as const) {
      const err = refusal({ [field]: value });
      expect(err, field).toBeInstanceOf(EcoError);
      expect(err).toMatchObject({ status: 400, code: 'unsupported_parameter', param: field });
    }
  });

  it('lets the neutral values through', () => {
    const body = build({ echo: false, logprobs: 0, suffix: '', presence_penalty: 0 });
    for (const field of ['echo', 'logprobs', 'suffix', 'presence_penalty'])
      expect(body).not.toHaveProperty(field);
  });
});
