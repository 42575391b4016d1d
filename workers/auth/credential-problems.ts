import { EcoError } from '../../schemas/errors.ts';
import type { SettingProblem } from '../config/check-settings.ts';
import type { Env } from '../env.ts';
import { signingSecret, tokenTtlS } from './access-token.ts';
import { jwtConfig } from './jwt-config.ts';

const INTERNAL_MISSING =
  'ECO_INTERNAL_SECRET is not set (16+ characters): async jobs and IM replies fail with 500 internal_auth_unconfigured until it is.';

/**
 * The secrets and JWT vars a request would find unusable, for GET /ready: each is otherwise seen only
 * by the first request that needs it (a job, an IM reply, a token), as a 500. Messages name the var
 * and why, never its value.
 */
export function credentialProblems(env: Env): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const internal = env.ECO_INTERNAL_SECRET;
  if (typeof internal !== 'string' || internal.length < 16)
    problems.push({ name: 'ECO_INTERNAL_SECRET', problem: INTERNAL_MISSING });
  const jwt = jwtConfig(env);
  const errors = [
    signingSecret(env),
    ttlProblem(env),
    jwt.providerProblem,
    jwt.defaultTenant instanceof EcoError ? jwt.defaultTenant : null,
  ];
  const seen = new Set<string>();
  for (const error of errors) {
    if (!(error instanceof EcoError) || seen.has(error.message)) continue;
    seen.add(error.message);
    // Every JWT var's error opens with the var's name.
    problems.push({ name: /^ECO_[A-Z0-9_]+/.exec(error.message)?.[0] ?? 'ECO_JWT', problem: error.message });
  }
  return problems;
}

function ttlProblem(env: Env): EcoError | null {
  try {
    tokenTtlS(env);
    return null;
  } catch (err) {
    if (err instanceof EcoError) return err;
    throw err;
  }
}
