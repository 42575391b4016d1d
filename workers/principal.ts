import type { PriorityClass } from '../schemas/config.ts';

export const SCOPES = ['inference', 'jobs', 'governance', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface KeyLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  maxConcurrent?: number;
  tokensPerDay?: number;
  tokensPerMonth?: number;
}

/** Who is calling, after authentication: an API key, a JWT subject, or the gateway itself. */
export interface Principal {
  kind: 'api_key' | 'jwt';
  /** The API key id (for JWTs exchanged from a key, that key's id; otherwise `jwt:<tenant>/<sub>`). */
  keyId: string;
  tenant: string;
  scopes: Scope[];
  limits: KeyLimits;
  /** null: every model. */
  allowedModels: string[] | null;
  defaultPriority: PriorityClass;
  maxPriority: PriorityClass;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

/**
 * Whether a key restricted to `allowedModels` may use `model`: a listed name may be the model's id or
 * one of its aliases (an alias names the same model), so listing either one allows it.
 */
export function mayUseModel(
  allowedModels: string[] | null,
  model: { id: string; aliases: readonly string[] },
): boolean {
  if (allowedModels === null) return true;
  return allowedModels.includes(model.id) || model.aliases.some((alias) => allowedModels.includes(alias));
}
