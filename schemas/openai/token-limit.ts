import { z } from '@hono/zod-openapi';

/** The most tokens a request may ask an engine to generate. */
const MAX_TOKENS_LIMIT = 1_048_576;

/**
 * A token count in [1, MAX_TOKENS_LIMIT]. The range is checked before integrality: zod's integer check
 * also bounds a number to JavaScript's safe integers, and checked first it would refuse 1e300 naming
 * 9007199254740991 instead of the limit that applies.
 */
export function tokenLimit() {
  return z.number().min(1).max(MAX_TOKENS_LIMIT).int();
}
