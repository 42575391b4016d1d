import type { SettingProblem } from '../config/check-settings.ts';
import { isUnset } from '../config/parse-number.ts';
import type { Env } from '../env.ts';
import { BOOTSTRAP_KEY_UNUSABLE, usableBootstrapKey } from './bootstrap.ts';
import { usableInternalSecret } from './internal-token.ts';
import { jwtVarProblems } from './jwt-var-problems.ts';

const INTERNAL_MISSING =
  'ECO_INTERNAL_SECRET is not set (16+ characters): async jobs and IM replies fail with 500 internal_auth_unconfigured until it is.';

/**
 * As for ECO_JWT_SIGNING_SECRET. A shorter token still works: guesses at it are bounded per address like
 * guesses at keys (refuseIfThrottled), and refusing it would stop a running scrape; /ready warns of it
 * but stays ready, since a gateway that works is not taken out of rotation for advice.
 */
const METRICS_TOKEN_MIN = 32;
const METRICS_WEAK = `ECO_METRICS_TOKEN is shorter than ${METRICS_TOKEN_MIN} characters, too short to be safe from guessing; /metrics still accepts it until it is replaced (openssl rand -hex 32 makes one).`;
const METRICS_NOT_TEXT =
  'ECO_METRICS_TOKEN is not text (a secret, or a quoted var); /metrics accepts no token until it is corrected.';
const BOOTSTRAP_NOT_TEXT =
  'ECO_BOOTSTRAP_ADMIN_KEY is not text (a secret, or a quoted var); no admin key is made from it until it is corrected.';

/**
 * The secrets and JWT vars a request would find unusable, for GET /ready: each is otherwise seen only
 * by the first request that needs it (a job, an IM reply, a token, the bootstrap admin key), as a 500.
 * Messages name the var and why, never its value.
 */
export function credentialProblems(env: Env): SettingProblem[] {
  const problems: SettingProblem[] = [];
  if (!usableInternalSecret(env.ECO_INTERNAL_SECRET))
    problems.push({ name: 'ECO_INTERNAL_SECRET', problem: INTERNAL_MISSING });
  problems.push(...jwtVarProblems(env));
  const bootstrap = env.ECO_BOOTSTRAP_ADMIN_KEY;
  // The rule ensureBootstrapKey applies; an empty value is no bootstrap key.
  if (
    typeof bootstrap === 'string' ? bootstrap !== '' && !usableBootstrapKey(bootstrap) : !isUnset(bootstrap)
  )
    problems.push({
      name: 'ECO_BOOTSTRAP_ADMIN_KEY',
      problem: typeof bootstrap === 'string' ? BOOTSTRAP_KEY_UNUSABLE : BOOTSTRAP_NOT_TEXT,
    });
  const metrics = env.ECO_METRICS_TOKEN;
  if (typeof metrics !== 'string' && !isUnset(metrics))
    problems.push({ name: 'ECO_METRICS_TOKEN', problem: METRICS_NOT_TEXT });
  return problems;
}

/**
 * The secrets that work but should be replaced, for GET /ready, which stays ready for them: otherwise
 * never seen (a scrape token shorter than is safe). Messages name the var and why, never its value.
 */
export function credentialWarnings(env: Env): SettingProblem[] {
  const metrics = env.ECO_METRICS_TOKEN;
  return typeof metrics === 'string' && metrics !== '' && metrics.length < METRICS_TOKEN_MIN
    ? [{ name: 'ECO_METRICS_TOKEN', problem: METRICS_WEAK }]
    : [];
}
