import { EcoError } from '../../schemas/errors.ts';
import { hasScope, type Principal } from '../principal.ts';

/**
 * A job runs later through the inference API as the API key that submitted it (its limits, models and
 * usage apply then). A submitter whose jobs could never run that way is refused before anything is
 * stored, rather than answered 202 for a job that fails on every attempt.
 *
 * Who is asking: a token from the identity provider names no API key (`jwt:<tenant>/<sub>`) to run as. Tokens
 * exchanged from a key at /v1/auth/token act as that key and may submit. Reading, listing and cancelling
 * (`use: 'read'`) are refused to such tokens too: jobs are visible tenant-wide, and identity-provider
 * users may share a default tenant, so one would see and cancel the others' prompts and results.
 */
export function requireApiKeyOwner(principal: Principal, use: 'submit' | 'read' = 'submit'): void {
  if (principal.keyId.startsWith('jwt:')) {
    throw new EcoError(
      403,
      'jobs_need_api_key',
      use === 'submit'
        ? 'Jobs run as an API key: submit them with an API key, or with a token exchanged from one at /v1/auth/token.'
        : "Jobs belong to a tenant's API keys: read, list and cancel them with an API key, or with a token exchanged from one at /v1/auth/token.",
    );
  }
}

/**
 * What a new job needs of its key today: the `inference` scope for the calls it makes. A scope lost
 * since a job was accepted does not undo that job (see idempotent-lookup.ts).
 */
export function requireInferenceScope(principal: Principal): void {
  if (!hasScope(principal, 'inference')) {
    throw new EcoError(
      403,
      'insufficient_scope',
      "This key lacks the 'inference' scope its jobs would run with; submitting a job needs 'jobs' and 'inference'.",
    );
  }
}
