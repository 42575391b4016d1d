import { parseArgs } from 'node:util';
import { STDIN_PATH } from './io.ts';

export const FORMATS = ['text', 'json', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

export const USAGE = `Usage:
  eco-lint [--format text|json|sarif] [--policy <file>] [<file|dir|glob|->...]
  eco-lint convert <file|dir|glob>... --out <dir> [--policy <file>]
  eco-lint convert - [--policy <file>]
  eco-lint generate <manifest> [--out <file>] [--namespace <ns>] [--owner <owner>] [--policy <file>]

Lints .qyaml governance manifests (directories are searched for *.qyaml; - reads standard input;
default: .). convert - reads standard input and writes the plain YAML to standard output.
Exit codes: 0 clean (warnings allowed), 1 errors found, 2 usage or I/O error.`;

export type Command =
  | { name: 'lint'; paths: string[]; format: Format; policy?: string }
  | { name: 'convert'; paths: string[]; out: string; policy?: string }
  | { name: 'convert-stdin'; policy?: string }
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

type OptionName = keyof typeof OPTIONS;

// The options each command reads; any other one is a mistake that would otherwise be ignored silently.
const APPLIES_TO: Record<'lint' | 'convert' | 'generate', readonly OptionName[]> = {
  lint: ['format', 'policy'],
  convert: ['out', 'policy'],
  generate: ['out', 'namespace', 'owner', 'policy'],
};

/** Parses argv into a command; throws an Error with a usage message on bad input. */
export function parseCommand(argv: readonly string[]): Command {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
  if (values.help) return { name: 'help' };
  if (values.version) return { name: 'version' };
  const [first, ...rest] = positionals;
  const name = first === 'convert' || first === 'generate' ? first : 'lint';
  checkOptions(tokens, name);
  const policy = values.policy;
  if (name === 'convert' && rest.includes(STDIN_PATH)) {
    // Standard input has no name to mirror under --out: it is written to standard output.
    if (rest.some((path) => path !== STDIN_PATH)) {
      throw new Error('convert - reads standard input only; convert files with --out <dir> in another run');
    }
    if (values.out !== undefined)
      throw new Error('convert - writes to standard output; --out does not apply');
    return { name: 'convert-stdin', ...(policy ? { policy } : {}) };
  }
  if (name === 'convert') {
    if (!values.out) throw new Error('convert needs --out <dir>');
    if (rest.length === 0) throw new Error('convert needs at least one file or directory');
    return { name: 'convert', paths: rest, out: values.out, ...(policy ? { policy } : {}) };
  }
  if (name === 'generate') {
    if (rest.length !== 1) throw new Error('generate needs exactly one manifest');
    // An owner of blanks is none: the generated owner and approval_chain would fail linting.
    if (values.owner?.trim() === '') throw new Error('option --owner needs a value that is not blank');
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

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/**
 * Refuses an option the command does not read, one given twice (only the last would count) and an
 * empty value (`--policy=` would quietly mean the default policy).
 */
function checkOptions(tokens: readonly Token[], command: keyof typeof APPLIES_TO): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const shown = token.rawName === `--${token.name}` ? token.rawName : `${token.rawName} (--${token.name})`;
    if (!(APPLIES_TO[command] as readonly string[]).includes(token.name)) {
      throw new Error(`option ${shown} does not apply to ${command}`);
    }
    if (seen.has(token.name)) throw new Error(`option ${shown} is given more than once`);
    seen.add(token.name);
    if (token.value === '') throw new Error(`option ${shown} needs a value`);
  }
}
