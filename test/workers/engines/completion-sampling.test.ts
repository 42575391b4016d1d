import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../../origins/registry.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import { ctx, pool } from './replay-b.ts';

// `/v1/completions` on the bare-prompt engines goes through the same native parameters as chat: a
// sampling field the engine has no input for is refused there too, never dropped.

const FIELDS = { seed: 4242, presence_penalty: 0.37, frequency_penalty: 0.29 } as const;
type Field = keyof typeof FIELDS;

const REFUSED: Partial<Record<EngineProtocol, readonly Field[]>> = {
  tgi: ['presence_penalty'],
  sglang: [],
  ollama: [],
  'triton-trtllm': [],
  'deepspeed-mii': ['seed', 'presence_penalty', 'frequency_penalty'],
  lmdeploy: ['seed', 'presence_penalty', 'frequency_penalty'],
  'deepspeed-mii-openai': ['seed', 'presence_penalty', 'frequency_penalty'],
};

describe('completions sampling fields on bare-prompt engines: sent or refused', () => {
  for (const [protocol, refused] of Object.entries(REFUSED) as [EngineProtocol, Field[]][]) {
    for (const field of Object.keys(FIELDS) as Field[]) {
      const refuses = refused.includes(field);
      it(`${protocol} ${field}: ${refuses ? 'refused' : 'sent'}`, () => {
        const adapter = adapterFor(protocol)!;
        const build = () =>
          adapter.completions!.build(
            { model: 'm', prompt: 'Once', [field]: FIELDS[field] },
            ctx(pool(protocol)),
          );
        if (refuses) {
          expect(build).toThrow(
            expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: field }),
          );
        } else {
          expect(build().body).toContain(String(FIELDS[field]));
        }
      });
    }
  }
});
