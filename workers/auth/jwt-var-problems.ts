import { EcoError } from '../../schemas/errors.ts';
import type { SettingProblem } from '../config/check-settings.ts';
import { variableNamedIn } from '../config/configuration-error-log.ts';
import type { Env } from '../env.ts';
import { signingSecret, tokenTtlS } from './access-token.ts';
import { jwtConfig } from './jwt-config.ts';

/**
 * Each `ECO_JWT_*` value among `vars` that requests would find unusable, read by the functions the
 * requests use, and why (never the value). `vars` is a Worker's env (GET /ready, secrets `seen`) or a
 * wrangler.toml environment's vars (deploy:check, secrets `unseen`): there a secret that is not among
 * them may still be set, so what is not there is not checked, and nothing is refused for its absence.
 */
export function jwtVarProblems(
  vars: Record<string, unknown>,
  secrets: 'seen' | 'unseen' = 'seen',
): SettingProblem[] {
  const env = vars as Env;
  const problems: SettingProblem[] = [];
  const seen = new Set<string>();
  for (const error of [signingSecret(env), ttlProblem(env), ...jwtConfig(env, secrets).problems]) {
    if (!(error instanceof EcoError) || seen.has(error.message)) continue;
    seen.add(error.message);
    // Every JWT var's error opens with the var's name.
    problems.push({ name: variableNamedIn(error.message) ?? 'ECO_JWT_*', problem: error.message });
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
