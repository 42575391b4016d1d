import type { z } from '@hono/zod-openapi';

/**
 * Why a stored row would not be accepted as written now, one line per issue (`field: message`), for
 * the admin views that list such rows instead of hiding them. `whole` names an issue of the row itself.
 */
export function problemsOf(error: z.ZodError, whole: string): string[] {
  return error.issues.map((i) => `${i.path.join('.') || whole}: ${i.message}`);
}
