import { z } from '@hono/zod-openapi';
import { credentialErrors, errorAnswer, UNSUPPORTED_ENCODING } from '../http/openapi-errors.ts';

/** OpenAPI pieces the admin routes share, so that their documented answers stay alike. */

/** An error answer in OpenAI's error shape. */
export const errorDoc = errorAnswer;

/** A JSON answer of `schema`. */
export const jsonDoc = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/**
 * A stored row that no longer validates is shown as it is (written by SQL, or by an older release), with
 * `problems` saying why a write of it would be refused; this is its documented shape.
 */
export const storedAsIs = (what: string) =>
  z.record(z.string(), z.unknown()).openapi({
    description: `The stored ${what} as it is, when \`problems\` says why it would not be accepted now.`,
  });

/** What a route that reads a JSON body answers when the body is not one it takes. */
export const BODY_ERRORS = {
  400: 'Malformed JSON, or a field that does not validate',
  413: 'The request body is too large (decompressed, when sent with `Content-Encoding`)',
  415: UNSUPPORTED_ENCODING,
} as const;

type ErrorStatus = 400 | 404 | 409 | 412 | 413 | 415 | 503;

/**
 * The error answers of an admin route: those of authentication and the admin scope, which every admin
 * route shares, and `own`, the statuses its handler answers with what each means there.
 */
export const adminErrors = (own: Partial<Record<ErrorStatus, string>> = {}) => ({
  ...credentialErrors,
  403: errorDoc("The key lacks the 'admin' scope"),
  ...Object.fromEntries(Object.entries(own).map(([status, description]) => [status, errorDoc(description)])),
});

/** The `If-Match` request header of a conditional admin write (see preconditions.ts). */
export const IfMatchHeader = z.object({
  'if-match': z.string().optional().openapi({
    description:
      'Apply the write only to the version with this entity tag (the `ETag` of a read or a write), or to any existing one with `*`; otherwise 412 precondition_failed.',
  }),
});

/** What a conditional write answers when its `If-Match` no longer holds. */
export const PRECONDITION_FAILED =
  'The object changed since the version `If-Match` names (precondition_failed)';
/** What a route whose only input is `If-Match` answers when it is malformed. */
export const BAD_IF_MATCH = '`If-Match` is not `*` or a list of entity tags';
