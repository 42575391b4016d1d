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
  /** The API key id (for JWTs exchanged from a key, that key's id; otherwise `jwt:<sub>`). */
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
