import { parseArgs } from 'node:util';

/**
 * `npm run deploy:check`'s command line: `--env NAME` or `--env=NAME`, nothing else. An argument it
 * does not know is an error: ignoring it would check another environment than the one asked for.
 * Returns `{ env }` (undefined: the top level) or `{ error }`.
 */
export function deployCheckArgs(argv, environments) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { env: { type: 'string' } }, strict: true }));
  } catch (err) {
    return { error: err.message };
  }
  if (values.env !== undefined && !environments.includes(values.env)) {
    return {
      error: `--env '${values.env}' is not an environment of wrangler.toml (${environments.join(', ')})`,
    };
  }
  return { env: values.env };
}
