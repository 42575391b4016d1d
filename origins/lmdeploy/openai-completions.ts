import { EcoError } from '../../schemas/errors.ts';
import { openAiExchange } from '../openai-compatible/exchanges.ts';
import { refuseCompletionExtras } from '../templates/text-completion.ts';
import type { Exchange } from '../types.ts';

type Json = Record<string, unknown>;

/**
 * LMDeploy's `/v1/completions` (endpoints/completions.py): its request has no `echo`, its handler never
 * reads `suffix`, returns no log-probabilities, and samples with temperature, top_p, top_k, min_p and
 * repetition_penalty only. What it would drop is refused here, naming the field.
 */
export function lmdeployOpenAiCompletions(engine: string): Exchange<Json, Json> {
  const base = openAiExchange(engine, '/v1/completions', true);
  return {
    ...base,
    build(req, ctx) {
      refuseCompletionExtras(req, engine);
      for (const param of ['presence_penalty', 'frequency_penalty'] as const) {
        const value = req[param];
        if (typeof value === 'number' && value !== 0) {
          throw new EcoError(400, 'unsupported_parameter', `${engine} does not support ${param}`, { param });
        }
      }
      return base.build(req, ctx);
    },
  };
}
