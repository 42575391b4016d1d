import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { apiKeyProblem } from './api-key-format.mjs';
import { parsePort } from './ports.mjs';

/**
 * `npm run dev`'s settings from the environment, checked before anything starts: every problem is
 * reported at once, as one error whose message lists them.
 */
export function devConfig(env, root) {
  const problems = [];
  const attempt = (fn) => {
    try {
      return fn();
    } catch (err) {
      problems.push(err.message);
      return undefined;
    }
  };
  const gatewayPort = attempt(() => parsePort('ECO_GATEWAY_PORT', env.ECO_GATEWAY_PORT, 8787));
  const emulatorPort = attempt(() => parsePort('ECO_EMULATOR_PORT', env.ECO_EMULATOR_PORT, 8790));
  if (gatewayPort !== undefined && gatewayPort === emulatorPort) {
    problems.push(
      `ECO_GATEWAY_PORT and ECO_EMULATOR_PORT are both ${gatewayPort}: give them different ports`,
    );
  }
  const apiKey = env.ECO_DEV_API_KEY ?? `eco_sk_dev_${randomBytes(24).toString('base64url')}`;
  const keyProblem = apiKeyProblem(apiKey);
  // The gateway would answer every request with this key 401; say so now instead.
  if (keyProblem) problems.push(`ECO_DEV_API_KEY ${keyProblem}; unset it to have one generated`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return {
    gatewayPort,
    emulatorPort,
    apiKey,
    persistDir: env.ECO_PERSIST_DIR || join(root, '.wrangler/state'),
    extraVars: (env.ECO_DEV_VARS ?? '').split(/\s+/).filter(Boolean),
  };
}
