import type { z } from '@hono/zod-openapi';
import { readJsonBody } from '../http/json-body.ts';
import { validationError } from '../http/validation.ts';

const ADMIN_BODY_BYTES = 64 * 1024;

/** A small JSON body read under a size cap and validated; an absent body counts as `{}`. */
export async function parseBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const raw = await readJsonBody(request, ADMIN_BODY_BYTES, { empty: {} });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
