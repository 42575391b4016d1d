import type { z } from '@hono/zod-openapi';
import { EcoError } from '../../schemas/errors.ts';

/** The first zod issue as an EcoError whose `param` is the dotted path of the bad field. */
export function validationError(error: z.ZodError): EcoError {
  const issue = error.issues[0];
  if (!issue) return new EcoError(400, 'invalid_request', 'The request body is not valid.');
  const path = [...issue.path];
  // A bad discriminator (e.g. an unknown message role) is reported on the union; name the field itself.
  const discriminator = (issue as { discriminator?: string }).discriminator;
  if (issue.code === 'invalid_union' && discriminator && path.at(-1) !== discriminator)
    path.push(discriminator);
  const param = path.length > 0 ? path.map(String).join('.') : null;
  const message = param ? `Invalid value for '${param}': ${issue.message}` : issue.message;
  return new EcoError(400, 'invalid_request', message, { param });
}
