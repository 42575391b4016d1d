import { z } from '@hono/zod-openapi';

/**
 * `n` and `best_of`: any count OpenAI takes is valid here, so that asking for several choices is
 * told apart from a malformed request. Only 1 is served (see `refuseManyChoices`).
 */
export function choiceCount(max: number, description: string) {
  return z.number().int().min(1).max(max).nullable().optional().openapi({ description });
}
