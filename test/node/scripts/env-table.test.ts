import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeEnvNames, envTableProblems, readmeEnvRows } from '../../../scripts/lib/env-table.mjs';
import { ROOT, scratchDir } from './process-helpers.ts';

const scratch = scratchDir('env-table');

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(scratch, 'tree-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const readme = (rows: string) =>
  `# x\n\n## Configuration\n\n| name | default | meaning |\n| --- | --- | --- |\n${rows}\n\n## Next\n\n| \`ECO_ELSEWHERE\` | 1 | not configuration |\n`;

describe('README configuration table against the code', () => {
  it('every ECO_* setting the code names has a row with its real default, and every row is read', () => {
    const problems = envTableProblems(
      codeEnvNames(ROOT),
      readmeEnvRows(readFileSync(`${ROOT}README.md`, 'utf8')),
    );
    expect(problems).toEqual([]);
  });
});

describe('the table check itself', () => {
  const root = tree({
    'workers/a.ts': [
      'const size = numberVar(c.env.ECO_SIZE, 1_048_576);',
      "const level = env.ECO_LEVEL ?? 'warn';",
      "const tenant = str(env.ECO_TENANT) ?? 'jwt';",
      "const port = parsePort('ECO_PORT', env.ECO_PORT, 8787);",
      // A templated family and a prose family, neither a setting of its own.
      ['const secret = `ECO_FAMILY_', '{name}_SECRET`; // ECO_JWT_* in prose'].join('$'),
    ].join('\n'),
    'scripts/b.mjs': 'const v = process.env.ECO_PLAIN;',
    'workers/c.d.mts': 'ECO_DECLARED_ONLY',
  });
  const code = codeEnvNames(root);

  it('finds names and literal defaults, not templated families or declaration files', () => {
    expect([...code.keys()].sort()).toEqual(['ECO_LEVEL', 'ECO_PLAIN', 'ECO_PORT', 'ECO_SIZE', 'ECO_TENANT']);
    expect([...code.get('ECO_SIZE')!.defaults]).toEqual(['1048576']);
    expect([...code.get('ECO_LEVEL')!.defaults]).toEqual(['warn']);
    expect([...code.get('ECO_TENANT')!.defaults]).toEqual(['jwt']);
    expect([...code.get('ECO_PORT')!.defaults]).toEqual(['8787']);
    expect([...code.get('ECO_PLAIN')!.defaults]).toEqual([]);
  });

  it('is satisfied by rows that state the defaults, however they are written', () => {
    const rows = readmeEnvRows(
      readme(
        [
          '| `ECO_SIZE` | `1,048,576` | bytes |',
          '| `ECO_LEVEL` | `warn` | level |',
          '| `ECO_TENANT` | `jwt` | tenant |',
          '| `ECO_PORT` | 8787 | port |',
          '| `ECO_PLAIN` (secret) | unset | plain |',
        ].join('\n'),
      ),
    );
    expect(rows.has('ECO_ELSEWHERE')).toBe(false);
    expect(envTableProblems(code, rows)).toEqual([]);
  });

  it('names a missing row, a wrong default and a row nothing reads', () => {
    const rows = readmeEnvRows(
      readme(
        [
          '| `ECO_SIZE` | `1048577` | bytes |',
          '| `ECO_LEVEL` | `info` | level |',
          '| `ECO_TENANT` | `jwt` | tenant |',
          '| `ECO_PORT` | 8787 | port |',
          '| `ECO_GONE` | 1 | removed long ago |',
        ].join('\n'),
      ),
    );
    expect(envTableProblems(code, rows)).toEqual([
      'ECO_LEVEL: the code\'s default is warn, README says "`info`"',
      "ECO_PLAIN is read in scripts/b.mjs but has no row in README's Configuration",
      'ECO_SIZE: the code\'s default is 1048576, README says "`1048577`"',
      'ECO_GONE has a README row but nothing in the code reads it',
    ]);
  });
});
