import type { z } from '@hono/zod-openapi';
import { readJsonBody } from '../http/json-body.ts';
import { validationError } from '../http/validation.ts';

const ADMIN_BODY_BYTES = 64 * 1024;

/** A small JSON body read under a size cap and validated; an absent body counts as `{}`. */
export async function parseBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const hasBody = request.body !== null && request.headers.get('content-length') !== '0';
  const raw = hasBody ? await readJsonBody(request, ADMIN_BODY_BYTES).catch(emptyAsObject) : {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

function emptyAsObject(err: unknown): unknown {
  if ((err as { code?: string }).code === 'invalid_json' && /empty/.test((err as Error).message)) return {};
  throw err;
}
