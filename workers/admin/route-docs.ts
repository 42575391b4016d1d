import type { z } from '@hono/zod-openapi';
import { ErrorResponse } from '../../schemas/openai/error.ts';

/** OpenAPI pieces the admin routes share, so that their documented answers stay alike. */

/** An error answer in OpenAI's error shape. */
export const errorDoc = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorResponse } },
});

/** A JSON answer of `schema`. */
export const jsonDoc = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** The errors every authenticated admin route documents; `notFound` says what its 404 means. */
export const adminErrors = (notFound: string) => ({
  400: errorDoc('Invalid request'),
  401: errorDoc('Missing or invalid credential'),
  403: errorDoc("The key lacks the 'admin' scope"),
  404: errorDoc(notFound),
});
