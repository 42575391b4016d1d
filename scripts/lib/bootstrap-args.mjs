import { parseArgs } from 'node:util';

/**
 * `npm run keys:bootstrap`'s command line, checked as the admin API checks a new key (name 1–200
 * characters, tenant 1–100 of letters, digits and . _ : -) so a key is never printed that the
 * gateway's own admin API would refuse, nor a command for an environment that does not exist.
 * Returns `{ help }`, `{ error }` (a usage error) or `{ options }`.
 */
export const USAGE =
  'usage: npm run keys:bootstrap -- --env <environment> | --local [--persist-to DIR] [--env <environment>]\n' +
  '                                 [--name NAME] [--tenant TENANT]\n';

export function bootstrapArgs(argv, environments) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        env: { type: 'string' },
        local: { type: 'boolean', default: false },
        'persist-to': { type: 'string' },
        name: { type: 'string', default: 'bootstrap admin' },
        tenant: { type: 'string', default: 'admin' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { error: err.message };
  }
  if (values.help) return { help: true };
  if (values.env === undefined && !values.local) return { error: 'choose --env <environment> or --local' };
  if (values.env !== undefined && !environments.includes(values.env)) {
    return {
      error: `--env '${values.env}' is not an environment of wrangler.toml (${environments.join(', ')})`,
    };
  }
  if (values['persist-to'] !== undefined && !values.local) return { error: '--persist-to goes with --local' };
  if (values['persist-to'] === '') return { error: '--persist-to needs a directory' };
  if (values.name.trim() === '' || values.name.length > 200)
    return { error: '--name must be 1 to 200 characters' };
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(values.tenant)) {
    return { error: '--tenant must be 1 to 100 letters, digits and . _ : -' };
  }
  return { options: values };
}
