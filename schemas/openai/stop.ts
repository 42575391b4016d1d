import { z } from '@hono/zod-openapi';

/**
 * An empty sequence matches at every position: vLLM refuses it, and an engine that took it would end
 * the answer before its first token. Refused here, the same whichever engine serves the model.
 */
const StopSequence = z.string().min(1, 'a stop sequence cannot be empty');

/** `stop`: one sequence or up to four, as OpenAI takes them. */
export function stopSequences() {
  return z
    .union([StopSequence, z.array(StopSequence).max(4)])
    .nullable()
    .optional();
}
