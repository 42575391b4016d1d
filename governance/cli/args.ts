import { parseArgs } from 'node:util';

export const FORMATS = ['text', 'json', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

export const USAGE = `Usage:
  eco-lint [--format text|json|sarif] [--policy <file>] [<file|dir|glob>...]
  eco-lint convert <file|dir|glob>... --out <dir> [--policy <file>]
  eco-lint generate <manifest> [--out <file>] [--namespace <ns>] [--owner <owner>] [--policy <file>]

Lints .qyaml governance manifests (directories are searched for *.qyaml; default: .).
Exit codes: 0 clean (warnings allowed), 1 errors found, 2 usage or I/O error.`;

export type Command =
  | { name: 'lint'; paths: string[]; format: Format; policy?: string }
  | { name: 'convert'; paths: string[]; out: string; policy?: string }
  | { name: 'generate'; manifest: string; out?: string; namespace?: string; owner?: string; policy?: string }
  | { name: 'help' }
  | { name: 'version' };

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  policy: { type: 'string', short: 'p' },
  out: { type: 'string', short: 'o' },
  namespace: { type: 'string' },
  owner: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Parses argv into a command; throws an Error with a usage message on bad input. */
export function parseCommand(argv: readonly string[]): Command {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return { name: 'help' };
  if (values.version) return { name: 'version' };
  const policy = values.policy;
  const [first, ...rest] = positionals;
  if (first === 'convert') {
    if (!values.out) throw new Error('convert needs --out <dir>');
    if (rest.length === 0) throw new Error('convert needs at least one file or directory');
    return { name: 'convert', paths: rest, out: values.out, ...(policy ? { policy } : {}) };
  }
  if (first === 'generate') {
    if (rest.length !== 1) throw new Error('generate needs exactly one manifest');
    return {
      name: 'generate',
      manifest: rest[0]!,
      ...(values.out ? { out: values.out } : {}),
      ...(values.namespace ? { namespace: values.namespace } : {}),
      ...(values.owner ? { owner: values.owner } : {}),
      ...(policy ? { policy } : {}),
    };
  }
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new Error(`unknown format ${format}; use ${FORMATS.join(', ')}`);
  }
  const paths = first === 'lint' ? rest : positionals;
  return {
    name: 'lint',
    paths: paths.length > 0 ? paths : ['.'],
    format: format as Format,
    ...(policy ? { policy } : {}),
  };
}
