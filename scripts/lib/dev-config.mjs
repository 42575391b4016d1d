import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { apiKeyProblem } from './api-key-format.mjs';
import { parsePort } from './ports.mjs';

const VAR_ITEM = /^[A-Za-z_][A-Za-z0-9_]*:/;
const LOG_LEVELS = ['debug', 'info', 'log', 'warn', 'error', 'none'];

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
  // wrangler reads `NAME=1` as a var named `NAME=1` and `NAME` as an empty var: never what was meant.
  const extraVars = (env.ECO_DEV_VARS ?? '').split(/\s+/).filter(Boolean);
  for (const item of extraVars) {
    if (!VAR_ITEM.test(item)) {
      problems.push(`ECO_DEV_VARS item ${JSON.stringify(item)} is not NAME:value (e.g. ECO_JOB_SHARDS:1)`);
    }
  }
  // Otherwise wrangler refuses it only once the migrations, the emulator and the seed have run.
  const logLevel = env.ECO_LOG_LEVEL || 'warn';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(
      `ECO_LOG_LEVEL=${JSON.stringify(logLevel)} is not a wrangler log level: use ${LOG_LEVELS.slice(0, -1).join(', ')} or ${LOG_LEVELS.at(-1)}`,
    );
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return {
    gatewayPort,
    emulatorPort,
    apiKey,
    persistDir: env.ECO_PERSIST_DIR || join(root, '.wrangler/state'),
    extraVars,
    logLevel,
  };
}
