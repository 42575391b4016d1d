import { openAiExchange } from '../openai-compatible/exchanges.ts';
import { refuseCompletionExtras, refuseCompletionPenalties } from '../templates/text-completion.ts';
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
      refuseCompletionPenalties(req, engine, ['presence_penalty', 'frequency_penalty']);
      return base.build(req, ctx);
    },
  };
}
