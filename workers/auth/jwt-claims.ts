import type { JWTPayload } from 'jose';
import { capPriority } from '../../durable-objects/job-queue/ordering.ts';
import { priorityOr } from '../../schemas/config.ts';
import type { KeyLimits, Principal, Scope } from '../principal.ts';
import { SCOPES } from '../principal.ts';
import { jwtErrors } from './jwt-errors.ts';

const LIMIT_NAMES: [keyof KeyLimits, string][] = [
  ['requestsPerMinute', 'requests_per_minute'],
  ['tokensPerMinute', 'tokens_per_minute'],
  ['maxConcurrent', 'max_concurrent'],
  ['tokensPerDay', 'tokens_per_day'],
  ['tokensPerMonth', 'tokens_per_month'],
];

/** `scope` (space-separated, OAuth), `scp` (array or string) or `eco_scopes` (array); known scopes only. */
export function scopesFromClaims(payload: JWTPayload): Scope[] {
  const raw: unknown[] = [];
  for (const claim of [payload.eco_scopes, payload.scp, payload.scope]) {
    if (Array.isArray(claim)) raw.push(...claim);
    else if (typeof claim === 'string') raw.push(...claim.split(/\s+/));
  }
  return [...new Set(raw)].filter((s): s is Scope => (SCOPES as readonly unknown[]).includes(s));
}

function limitsFromClaims(value: unknown): KeyLimits {
  if (!value || typeof value !== 'object') return {};
  const source = value as Record<string, unknown>;
  const limits: KeyLimits = {};
  for (const [camel, snake] of LIMIT_NAMES) {
    const n = source[camel] ?? source[snake];
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) limits[camel] = n;
  }
  return limits;
}

/** An identity provider's verified claims as a principal (see docs/security.md for the claim names). */
export function principalFromClaims(payload: JWTPayload, defaultTenant: string): Principal {
  if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 256) {
    throw jwtErrors.claims("'sub' is required");
  }
  const tenantClaim = payload.eco_tenant ?? payload.tenant;
  const tenant = typeof tenantClaim === 'string' && tenantClaim !== '' ? tenantClaim : defaultTenant;
  const scopes = scopesFromClaims(payload);
  const models = payload.eco_models;
  const maxPriority = priorityOr(payload.eco_max_priority, 'high');
  // The default applies when a request sends no x-eco-priority: it may not exceed the maximum either.
  const defaultPriority = capPriority(priorityOr(payload.eco_priority, 'normal'), maxPriority);
  return {
    kind: 'jwt',
    keyId: `jwt:${payload.sub}`,
    tenant,
    scopes: scopes.length > 0 ? scopes : ['inference'],
    limits: limitsFromClaims(payload.eco_limits),
    allowedModels:
      Array.isArray(models) && models.every((m) => typeof m === 'string') ? (models as string[]) : null,
    defaultPriority,
    maxPriority,
  };
}
