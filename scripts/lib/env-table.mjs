import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Keeps README's Configuration tables and the code honest with each other: every `ECO_*` name the
 * code reads is documented, every documented name is read, and a literal default in the code is the
 * default the table states.
 */

/** Where the gateway, its objects, the emulator and the dev tooling read their settings. */
export const CODE_DIRS = ['workers', 'durable-objects', 'scripts', 'origins'];

// A full name: a templated family (`ECO_IM_DEV_${platform}_SECRET`) or a prose family (`ECO_JWT_*`)
// ends in `_` and is not a setting of its own.
const NAME = /\bECO_[A-Z0-9_]*[A-Z0-9]\b(?![_$*])/g;

// `numberVar(env.NAME, 600` / `num(env.NAME, 100_000` / `env.NAME ?? 'warn'` / `str(env.NAME) ?? 'jwt'`
// / `parsePort('NAME', env.NAME, 8787)`, NAME being a setting.
const DEFAULTS = [
  /\b[A-Za-z]+\((?:[\w.?]+\.)?(ECO_[A-Z0-9_]+), *(-?[0-9][0-9_]*(?:\.[0-9]+)?)\b/g,
  /\benv\??\.(ECO_[A-Z0-9_]+)\)? *\?\? *(?:'([^']*)'|"([^"]*)"|(-?[0-9][0-9_]*))/g,
  /\bparsePort\('(ECO_[A-Z0-9_]+)', *[\w.?]+, *([0-9]+)\)/g,
  // A row of workers/config/settings.ts: `ECO_KEY_CACHE_TTL_MS: whole(5000, {`, `ECO_DOCS_ENABLED: flag(true, {`.
  /\b(ECO_[A-Z0-9_]+): *(?:whole|decimal|flag|word|url)\((?:'([^']*)'|(-?[0-9][0-9_]*(?:\.[0-9]+)?|true|false)\b)/g,
];

function sourceFiles(root, dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...sourceFiles(root, rel));
    else if (/\.(ts|mts|mjs)$/.test(entry.name) && !/\.d\.mts$/.test(entry.name)) out.push(rel);
  }
  return out;
}

/** Every `ECO_*` name in the code, with the files naming it and the literal defaults it is read with. */
export function codeEnvNames(root, dirs = CODE_DIRS) {
  const names = new Map();
  const entry = (name) => {
    if (!names.has(name)) names.set(name, { files: new Set(), defaults: new Set() });
    return names.get(name);
  };
  for (const file of dirs.flatMap((d) => sourceFiles(root, d))) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const [name] of text.matchAll(NAME)) entry(name).files.add(file);
    for (const pattern of DEFAULTS) {
      for (const m of text.matchAll(pattern)) {
        const value = m.slice(2).find((v) => v !== undefined);
        if (value !== undefined && value !== '') entry(m[1]).defaults.add(value.replaceAll('_', ''));
      }
    }
  }
  return names;
}

/** The `ECO_*` rows of the tables in README's Configuration section: name → default cell. */
export function readmeEnvRows(readme) {
  const start = readme.indexOf('\n## Configuration');
  if (start < 0) return new Map();
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows = new Map();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || cells[0] !== '') continue;
    const match = /^`(ECO_[A-Z0-9_]+)`/.exec(cells[1]);
    if (match) rows.set(match[1], cells[2]);
  }
  return rows;
}

/** What a default cell says, comparable with a literal from the code: `1,048,576` and `1048576` alike. */
const cellMentions = (cell, value) =>
  cell
    .replaceAll('`', '')
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/(\d)_(?=\d)/g, '$1')
    .split(/[\s(),;]+/)
    .includes(value);

/** Every disagreement between the code's names and the README rows, as sentences; empty when none. */
export function envTableProblems(code, rows) {
  const problems = [];
  for (const [name, { files, defaults }] of [...code].sort()) {
    if (!rows.has(name)) {
      problems.push(
        `${name} is read in ${[...files].sort().join(', ')} but has no row in README's Configuration`,
      );
      continue;
    }
    for (const value of defaults) {
      if (!cellMentions(rows.get(name), value))
        problems.push(
          `${name}: the code's default is ${value}, README says ${JSON.stringify(rows.get(name))}`,
        );
    }
  }
  for (const name of [...rows.keys()].sort()) {
    if (!code.has(name)) problems.push(`${name} has a README row but nothing in the code reads it`);
  }
  return problems;
}
