import type { JWTPayload } from 'jose';
import { capPriority } from '../../durable-objects/job-queue/ordering.ts';
import { PriorityClass } from '../../schemas/config.ts';
import type { KeyLimits, Principal, Scope } from '../principal.ts';
import { SCOPES } from '../principal.ts';
import { jwtErrors } from './jwt-errors.ts';
import { providerScopes, shown } from './jwt-scopes.ts';
import { subjectFromClaim } from './jwt-subject.ts';
import { AllowedModels, TenantName } from './key-api.ts';
import { LIMIT_NAMES, MAX_LIMIT, readLimits } from './key-limits.ts';

/**
 * The scopes the gateway wrote into its own access tokens (known scopes only; see jwt-scopes.ts for
 * an identity provider's, which are checked more closely).
 */
export function scopesFromClaims(payload: JWTPayload): Scope[] {
  const raw: unknown[] = [];
  for (const claim of [payload.eco_scopes, payload.scp, payload.scope]) {
    if (Array.isArray(claim)) raw.push(...claim);
    else if (typeof claim === 'string') raw.push(...claim.split(/\s+/));
  }
  return [...new Set(raw)].filter((s): s is Scope => (SCOPES as readonly unknown[]).includes(s));
}

function limitsFromClaims(value: unknown): KeyLimits {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw jwtErrors.claims("'eco_limits' must be an object");
  const read = readLimits(value as Record<string, unknown>);
  if ('unknown' in read)
    throw jwtErrors.claims(
      `'eco_limits' holds ${shown(read.unknown)}, which is not a limit; they are ${LIMIT_NAMES.join(', ')} (or camelCase)`,
    );
  if ('invalid' in read)
    throw jwtErrors.claims(`'eco_limits.${read.invalid}' must be a whole number from 1 to ${MAX_LIMIT}`);
  return read.limits;
}

/** Absent: every model. Anything but a list of model ids is refused: read as absent, it would open all. */
function modelsFromClaims(value: unknown): string[] | null {
  const parsed = AllowedModels.safeParse(value ?? null);
  if (!parsed.success) throw jwtErrors.claims("'eco_models' must be a list of model ids");
  return parsed.data;
}

/**
 * `eco_tenant`, else `tenant`, else the configured default. A claim that is present but not a tenant
 * name keys may have is refused: read as absent, it would put the subject in another tenant.
 */
function tenantFromClaims(payload: JWTPayload, defaultTenant: string): string {
  const claim = payload.eco_tenant != null ? 'eco_tenant' : payload.tenant != null ? 'tenant' : undefined;
  if (claim === undefined) return defaultTenant;
  const parsed = TenantName.safeParse(payload[claim]);
  if (!parsed.success)
    throw jwtErrors.claims(`'${claim}' must be 1 to 100 letters, digits or . _ : - characters`);
  return parsed.data;
}

/**
 * Absent: the default. A value that names no class is refused: read as absent, a mistyped
 * `eco_max_priority: "lwo"` would lift the subject to `high`.
 */
function priorityFromClaim(payload: JWTPayload, claim: string, fallback: PriorityClass): PriorityClass {
  const value = payload[claim];
  if (value === undefined || value === null) return fallback;
  const parsed = PriorityClass.safeParse(value);
  if (!parsed.success)
    throw jwtErrors.claims(`'${claim}' must be one of ${PriorityClass.options.join(', ')}`);
  return parsed.data;
}

/**
 * The key id of an identity provider's subject: it names the subject's limiter and its usage rows. One
 * subject may belong to several tenants (an IdP's organisations), so the tenant is part of it; a tenant
 * name holds no `/`, so no two (tenant, subject) pairs share an id.
 */
export function jwtKeyId(tenant: string, sub: string): string {
  return `jwt:${tenant}/${sub}`;
}

/** An identity provider's verified claims as a principal (see docs/security.md for the claim names). */
export function principalFromClaims(payload: JWTPayload, defaultTenant: string): Principal {
  const sub = subjectFromClaim(payload.sub);
  const tenant = tenantFromClaims(payload, defaultTenant);
  const scopes = providerScopes(payload);
  const maxPriority = priorityFromClaim(payload, 'eco_max_priority', 'high');
  // The default applies when a request sends no x-eco-priority: it may not exceed the maximum either.
  const defaultPriority = capPriority(priorityFromClaim(payload, 'eco_priority', 'normal'), maxPriority);
  return {
    kind: 'jwt',
    keyId: jwtKeyId(tenant, sub),
    tenant,
    scopes,
    limits: limitsFromClaims(payload.eco_limits),
    allowedModels: modelsFromClaims(payload.eco_models),
    defaultPriority,
    maxPriority,
  };
}
