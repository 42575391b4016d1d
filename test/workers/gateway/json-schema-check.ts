/**
 * The subset of JSON Schema 2020-12 the gateway's OpenAPI document uses, as a checker: `$ref` (local),
 * type (or a list of types), properties, required, additionalProperties, items, enum, const, anyOf,
 * oneOf, allOf, and the length, size and range bounds. Formats and defaults are annotations only.
 * Returns the problems found, each with its JSON path; an empty list means the value matches.
 *
 * `strict` also reports properties a schema does not declare where it leaves additional properties
 * open (as generated schemas do): an answer's field missing from the document is a finding too.
 */

export type Schema = Record<string, unknown>;

type Resolve = (ref: string) => Schema;

/** A resolver of local references (`#/components/schemas/X`) into `document`. */
export function refResolver(document: unknown): Resolve {
  return (ref) => {
    if (!ref.startsWith('#/')) throw new Error(`not a local reference: ${ref}`);
    let node: unknown = document;
    for (const raw of ref.slice(2).split('/')) {
      const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      if (typeof node !== 'object' || node === null || !(part in node))
        throw new Error(`unresolved reference: ${ref}`);
      node = (node as Record<string, unknown>)[part];
    }
    return node as Schema;
  };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeOf(value) === type;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural equality of JSON values (for enum and const). */
function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface CheckOptions {
  strict?: boolean;
  /** Set inside an `allOf`, whose parts declare the object's properties only together. */
  partial?: boolean;
}

/** The properties `schema` declares, through `$ref` and `allOf`; undefined when it admits any. */
function declared(schema: Schema, resolve: Resolve): Set<string> | undefined {
  if (typeof schema.$ref === 'string') {
    const { $ref, ...rest } = schema;
    // Siblings of a reference that declare no properties (a description, say) add none.
    const siblings = 'properties' in rest || 'allOf' in rest || 'anyOf' in rest || 'oneOf' in rest;
    const [a, b] = [declared(resolve($ref), resolve), siblings ? declared(rest, resolve) : new Set<string>()];
    return a === undefined || b === undefined ? undefined : new Set([...a, ...b]);
  }
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) return undefined;
  // A union's branches are each checked whole; a schema without properties declares none to check.
  if (schema.anyOf || schema.oneOf || (schema.properties === undefined && schema.allOf === undefined))
    return undefined;
  const names = new Set(Object.keys((schema.properties ?? {}) as object));
  for (const part of (schema.allOf ?? []) as Schema[]) {
    const more = declared(part, resolve);
    if (more === undefined) return undefined;
    for (const name of more) names.add(name);
  }
  return names;
}

export function checkSchema(
  value: unknown,
  schema: Schema,
  resolve: Resolve,
  path = '$',
  options: CheckOptions = {},
): string[] {
  if (typeof schema.$ref === 'string') {
    const { $ref, ...rest } = schema;
    const target = resolve($ref);
    const whole = options.partial ? options : { ...options, partial: true };
    // The reference and its siblings describe one object together, as the parts of an allOf do.
    const problems = [
      ...checkSchema(value, target, resolve, path, whole),
      ...checkSchema(value, rest, resolve, path, whole),
    ];
    if (!options.partial) problems.push(...undeclared(value, schema, resolve, path, options));
    return problems;
  }
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${path}: ${message}`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) {
      fail(`expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return problems;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => same(e, value)))
    fail(`not one of ${JSON.stringify(schema.enum)}: ${JSON.stringify(value)}`);
  if ('const' in schema && !same(schema.const, value)) fail(`not ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum)
      fail(`not above ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum)
      fail(`not below ${schema.exclusiveMaximum}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) fail('too short');
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) fail('too long');
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      fail(`does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail('too few items');
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail('too many items');
    if (isObject(schema.items))
      value.forEach((item, i) => {
        problems.push(...checkSchema(item, schema.items as Schema, resolve, `${path}[${i}]`, whole(options)));
      });
  }
  if (isObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[])
      if (!(name in value)) fail(`missing required property '${name}'`);
    for (const [name, item] of Object.entries(value)) {
      const at = `${path}.${name}`;
      if (properties[name])
        problems.push(...checkSchema(item, properties[name], resolve, at, whole(options)));
      else if (schema.additionalProperties === false) fail(`unexpected property '${name}'`);
      else if (isObject(schema.additionalProperties))
        problems.push(...checkSchema(item, schema.additionalProperties, resolve, at, whole(options)));
    }
  }
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf as Schema[])
      problems.push(...checkSchema(value, part, resolve, path, { ...options, partial: true }));
  if (!options.partial) problems.push(...undeclared(value, schema, resolve, path, options));
  if (Array.isArray(schema.anyOf)) {
    const results = (schema.anyOf as Schema[]).map((part) =>
      checkSchema(value, part, resolve, path, whole(options)),
    );
    if (!results.some((r) => r.length === 0))
      fail(`matches none of anyOf: ${results.map((r) => r.join('; ')).join(' | ')}`);
  }
  if (Array.isArray(schema.oneOf)) {
    const results = (schema.oneOf as Schema[]).map((part) =>
      checkSchema(value, part, resolve, path, whole(options)),
    );
    const matching = results.filter((r) => r.length === 0).length;
    if (matching !== 1)
      fail(
        `matches ${matching} of oneOf (exactly one needed): ${results.map((r) => r.join('; ')).join(' | ')}`,
      );
  }
  return problems;
}

/** The options for a value checked on its own (not as a part of an allOf). */
const whole = (options: CheckOptions): CheckOptions => ({ ...options, partial: false });

/** In strict mode, the properties of an object value that `schema` does not declare. */
function undeclared(
  value: unknown,
  schema: Schema,
  resolve: Resolve,
  path: string,
  options: CheckOptions,
): string[] {
  if (!options.strict || !isObject(value) || schema.additionalProperties === false) return [];
  if (schema.properties === undefined && schema.allOf === undefined && schema.$ref === undefined) return [];
  const names = declared(schema, resolve);
  if (names === undefined) return [];
  return Object.keys(value)
    .filter((name) => !names.has(name))
    .map((name) => `${path}: undocumented property '${name}'`);
}
