import { z } from '@hono/zod-openapi';
import { PRIORITY_RANK } from '../../durable-objects/job-queue/ordering.ts';
import { PriorityClass } from '../../schemas/config.ts';
import type { ApiKeyRow } from '../../schemas/db/api-keys.ts';
import { AllowedModels, Scopes } from '../auth/key-api.ts';
import { StoredLimitsSchema } from '../auth/key-limits.ts';

/**
 * What the admin API writes into a key row's checked columns (limits as stored, camelCase), with the
 * API's own definitions and bounds: a row can hold nothing the API would refuse.
 */
const StoredKeyFields = z
  .object({
    scopes: Scopes,
    limits: StoredLimitsSchema,
    allowedModels: AllowedModels,
    defaultPriority: PriorityClass,
    maxPriority: PriorityClass,
  })
  .superRefine((row, ctx) => {
    // Used as it stands when a request names no priority: above the maximum, it would jump the cap.
    if (PRIORITY_RANK[row.defaultPriority] < PRIORITY_RANK[row.maxPriority])
      ctx.addIssue({
        code: 'custom',
        path: ['defaultPriority'],
        message: `above maxPriority '${row.maxPriority}' (default_priority may not be above max_priority)`,
      });
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
