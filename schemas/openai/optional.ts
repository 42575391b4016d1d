import type { z } from '@hono/zod-openapi';

/**
 * An optional field that also takes an explicit `null`, as OpenAI does: clients send `null` for what
 * they leave out, and echo assistant messages back with `tool_calls: null`. Null reads as unset, so
 * nothing downstream sees it and engines are never sent it.
 */
export function optional<T extends z.ZodType>(schema: T) {
  return schema
    .nullish()
    .transform((value): z.output<T> | undefined => value ?? undefined)
    .optional();
}
