import { jwtVarProblems } from '../../workers/auth/jwt-var-problems.ts';
import { checkSettings } from '../../workers/config/check-settings.ts';

/**
 * The vars of one wrangler.toml environment (as wrangler reads them) the gateway cannot use as
 * written: its settings and misspelt `ECO_*` names, then its `ECO_JWT_*` values, judged by the
 * functions the Worker itself reads them with. Secrets are not among vars: GET /ready checks those, and
 * nothing is refused here because one is absent (an algorithm list for a JWKS and a secret is fine).
 */
export function unusableVars(vars) {
  return [...checkSettings(vars), ...jwtVarProblems(vars, 'unseen')];
}
