import { readFileSync } from 'node:fs';
import { ROOT } from './procs.mjs';

/**
 * What an `[env.<name>]` of wrangler.toml must repeat from the top level. Wrangler does not inherit
 * vars or bindings into an environment: one left out is simply absent there (a var falls back to the
 * code's default, a binding is undefined at run time), so every environment names them all.
 */
const NOT_INHERITED = [
  'vars',
  'd1_databases',
  'durable_objects',
  'services',
  'kv_namespaces',
  'r2_buckets',
  'queues',
  'analytics_engine_datasets',
];

/** A placeholder D1 id (all zeros but the last digits), as the repository ships them. */
const PLACEHOLDER_ID = /^0{8}-0{4}-0{4}-0{4}-0{8}[0-9a-f]{4}$/;

/**
 * The keys each table of a wrangler.toml written in this repository's style defines: `[a.b]` and
 * `[[a]]` headers, and `key = …` lines at the start of a line (values may span lines, indented).
 * Returns table name ('' for the top level) → set of keys.
 */
export function tomlKeys(toml) {
  const tables = new Map([['', new Set()]]);
  let current = '';
  const keysOf = (name) => {
    if (!tables.has(name)) tables.set(name, new Set());
    return tables.get(name);
  };
  for (const line of toml.split('\n')) {
    const header = /^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(?:#.*)?$/.exec(line);
    if (header) {
      const path = header[1].split('.');
      // `[env.staging.vars]` is key `vars` of `env.staging`; `[[d1_databases]]` is key `d1_databases`.
      keysOf(path.slice(0, -1).join('.')).add(path.at(-1));
      current = header[1];
      keysOf(current);
      continue;
    }
    const key = /^([A-Za-z0-9_-]+)\s*=/.exec(line);
    if (key) keysOf(current).add(key[1]);
  }
  return tables;
}

/** D1 database ids per environment (top level as ''), as written. */
export function d1Ids(toml) {
  const ids = new Map();
  let current = '';
  for (const line of toml.split('\n')) {
    const header = /^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(line);
    if (header) current = header[1];
    for (const match of line.matchAll(/database_id\s*=\s*"([^"]*)"/g)) {
      const env = /^env\.([A-Za-z0-9_-]+)/.exec(current)?.[1] ?? '';
      if (!ids.has(env)) ids.set(env, []);
      ids.get(env).push(match[1]);
    }
  }
  return ids;
}

/** Every way an environment falls short of the top level, as sentences; empty when none. */
export function envCompletenessProblems(toml = readFileSync(`${ROOT}wrangler.toml`, 'utf8')) {
  const tables = tomlKeys(toml);
  const top = tables.get('');
  const envs = [...(tables.get('env') ?? [])];
  const problems = [];
  for (const env of envs) {
    const keys = tables.get(`env.${env}`) ?? new Set();
    for (const key of NOT_INHERITED) {
      if (top.has(key) && !keys.has(key))
        problems.push(`[env.${env}] has no ${key} (not inherited from the top level)`);
    }
    const topVars = tables.get('vars') ?? new Set();
    const envVars = tables.get(`env.${env}.vars`) ?? new Set();
    for (const name of topVars) {
      if (!envVars.has(name)) problems.push(`[env.${env}.vars] has no ${name} (set in [vars])`);
    }
    for (const name of envVars) {
      if (!topVars.has(name))
        problems.push(`[env.${env}.vars] sets ${name}, which [vars] does not (local dev would differ)`);
    }
  }
  return problems;
}

/** The placeholder D1 ids an environment still has: deploying it would fail (or reach no database). */
export function placeholderIds(env, toml = readFileSync(`${ROOT}wrangler.toml`, 'utf8')) {
  return (d1Ids(toml).get(env) ?? []).filter((id) => PLACEHOLDER_ID.test(id));
}
