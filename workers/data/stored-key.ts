import { z } from '@hono/zod-openapi';
import { PriorityClass } from '../../schemas/config.ts';
import type { ApiKeyRow } from '../../schemas/db/api-keys.ts';
import { SCOPES } from '../principal.ts';

const count = z.number().int().positive();

/** What the admin API writes into a key row's checked columns (limits as stored, camelCase). */
const StoredKeyFields = z.object({
  scopes: z.array(z.enum(SCOPES)).min(1),
  limits: z
    .object({
      requestsPerMinute: count.optional(),
      tokensPerMinute: count.optional(),
      maxConcurrent: count.optional(),
      tokensPerDay: count.optional(),
      tokensPerMonth: count.optional(),
    })
    .strict(),
  allowedModels: z.array(z.string().min(1)).nullable(),
  defaultPriority: PriorityClass,
  maxPriority: PriorityClass,
});

const checked = new WeakMap<ApiKeyRow, string[]>();

/**
 * Why a stored key row cannot be used as written (a row edited by hand), or none. Read loosely, a
 * misspelt limit would be no limit and a scope list that is not a list no scopes, so such a key is
 * refused instead. Rows are cached per isolate, so each is checked once.
 */
export function storedKeyProblems(row: ApiKeyRow): string[] {
  let problems = checked.get(row);
  if (problems === undefined) {
    const result = StoredKeyFields.safeParse(row);
    problems = result.success
      ? []
      : result.error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`);
    checked.set(row, problems);
  }
  return problems;
}
