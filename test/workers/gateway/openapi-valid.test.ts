import { beforeAll, describe, expect, it } from 'vitest';
import { checkSchema, refResolver, type Schema } from './json-schema-check.ts';
import { fetchDocument, type OpenApiDocument, operations, type Parameter } from './openapi-doc.ts';

// The document is read by SDK generators and API consoles, which reject or misread an invalid one: these
// are the OpenAPI 3.1 rules they depend on, checked over the JSON as served.

/** The JSON Schema 2020-12 keywords (and OpenAPI's `example`) a schema of the document may use. */
const KEYWORDS = new Set([
  '$ref',
  '$defs',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'prefixItems',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'title',
  'description',
  'default',
  'examples',
  'example',
  'deprecated',
  'readOnly',
  'writeOnly',
  'discriminator',
]);
const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

type Visit = (schema: Schema, where: string) => void;

/** Every schema and subschema of `schema`, depth first. */
function walkSchema(schema: unknown, where: string, visit: Visit): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return;
  const s = schema as Schema;
  visit(s, where);
  for (const key of ['properties', '$defs'] as const)
    for (const [name, sub] of Object.entries((s[key] ?? {}) as Record<string, unknown>))
      walkSchema(sub, `${where}/${key}/${name}`, visit);
  for (const key of ['items', 'additionalProperties', 'propertyNames', 'not'] as const)
    walkSchema(s[key], `${where}/${key}`, visit);
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const)
    ((s[key] ?? []) as unknown[]).forEach((sub, i) => {
      walkSchema(sub, `${where}/${key}/${i}`, visit);
    });
}

/** Every schema of the document: components, parameters, request bodies, responses. */
function walkDocument(document: OpenApiDocument, visit: Visit): void {
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {}))
    walkSchema(schema, `#/components/schemas/${name}`, visit);
  for (const [method, path, op] of operations(document)) {
    const at = `${method.toUpperCase()} ${path}`;
    for (const p of op.parameters ?? []) walkSchema(p.schema, `${at} parameter ${p.name}`, visit);
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
      walkSchema(media.schema, `${at} request ${type}`, visit);
    for (const [status, response] of Object.entries(op.responses))
      for (const [type, media] of Object.entries(response.content ?? {}))
        walkSchema(media.schema, `${at} ${status} ${type}`, visit);
  }
}

/** Every `$ref` anywhere in `node`. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refs(item, out);
  else if (typeof node === 'object' && node !== null)
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refs(value, out);
    }
  return out;
}

let document: OpenApiDocument;
let resolve: ReturnType<typeof refResolver>;

beforeAll(async () => {
  document = await fetchDocument();
  resolve = refResolver(document);
});

describe('/openapi.json is valid OpenAPI 3.1', () => {
  it('declares OpenAPI 3.1', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it('resolves every $ref', () => {
    const all = refs(document);
    expect(all.length).toBeGreaterThan(0);
    const broken = all.filter((ref) => {
      try {
        resolve(ref);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual([]);
  });

  it('gives operation ids to all operations or none, and never twice the same', () => {
    const ids = operations(document).map(([, , op]) => op.operationId);
    expect(ids.length).toBeGreaterThan(0);
    const given = ids.filter((id) => id !== undefined);
    expect(given.length === 0 || given.length === ids.length).toBe(true);
    expect(new Set(given).size).toBe(given.length);
  });

  it('declares, as required, exactly the path parameters each path names', () => {
    const wrong: string[] = [];
    let withParameters = 0;
    for (const [method, path, op] of operations(document)) {
      const named = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).sort();
      if (named.length > 0) withParameters++;
      const shared = (document.paths[path]!.parameters ?? []) as Parameter[];
      const inPath = [...shared, ...(op.parameters ?? [])].filter((p) => p.in === 'path');
      const declared = [...new Set(inPath.map((p) => p.name))].sort();
      if (JSON.stringify(declared) !== JSON.stringify(named))
        wrong.push(`${method.toUpperCase()} ${path}: declares ${declared.join(', ') || 'none'}`);
      for (const p of inPath)
        if (p.required !== true) wrong.push(`${method} ${path}: ${p.name} not required`);
    }
    expect(withParameters).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
  });

  it('declares each parameter once per location', () => {
    const twice = operations(document).flatMap(([method, path, op]) => {
      const seen = (op.parameters ?? []).map((p) => `${p.in}:${p.name.toLowerCase()}`);
      return seen.filter((s, i) => seen.indexOf(s) !== i).map((s) => `${method} ${path} ${s}`);
    });
    expect(twice).toEqual([]);
  });

  it('describes every response, and every operation has one', () => {
    const missing: string[] = [];
    for (const [method, path, op] of operations(document)) {
      const at = `${method.toUpperCase()} ${path}`;
      if (Object.keys(op.responses ?? {}).length === 0) missing.push(`${at}: no responses`);
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) missing.push(`${at}: status '${status}'`);
        if (typeof response.description !== 'string' || response.description.trim() === '')
          missing.push(`${at} ${status}: no description`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('uses only JSON Schema 2020-12 in its schemas', () => {
    const problems: string[] = [];
    walkDocument(document, (schema, where) => {
      for (const key of Object.keys(schema))
        if (!KEYWORDS.has(key)) problems.push(`${where}: keyword '${key}'`);
      const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
      for (const t of types)
        if (!TYPES.has(t as string)) problems.push(`${where}: type ${JSON.stringify(t)}`);
      if (schema.items !== undefined && (typeof schema.items !== 'object' || Array.isArray(schema.items)))
        problems.push(`${where}: items is not a schema`);
      for (const key of ['exclusiveMinimum', 'exclusiveMaximum'])
        if (key in schema && typeof schema[key] !== 'number') problems.push(`${where}: ${key} not a number`);
      if ('enum' in schema && (!Array.isArray(schema.enum) || schema.enum.length === 0))
        problems.push(`${where}: empty enum`);
      if ('required' in schema) {
        const required = schema.required as unknown;
        const names = Object.keys((schema.properties ?? {}) as object);
        if (!Array.isArray(required) || required.some((r) => typeof r !== 'string'))
          problems.push(`${where}: required is not a list of names`);
        else if (schema.properties !== undefined)
          for (const r of required)
            if (!names.includes(r)) problems.push(`${where}: requires unknown '${r}'`);
      }
    });
    expect(problems).toEqual([]);
  });

  it('gives examples and defaults that match their schemas', () => {
    const problems: string[] = [];
    let checked = 0;
    const check = (value: unknown, schema: Schema, where: string) => {
      checked++;
      const { example: _e, examples: _x, default: _d, ...rest } = schema;
      problems.push(...checkSchema(value, rest, resolve, where));
    };
    walkDocument(document, (schema, where) => {
      if ('example' in schema) check(schema.example, schema, `${where} example`);
      if ('default' in schema) check(schema.default, schema, `${where} default`);
      ((schema.examples ?? []) as unknown[]).forEach((example, i) => {
        check(example, schema, `${where} examples[${i}]`);
      });
    });
    for (const [method, path, op] of operations(document))
      for (const [status, response] of Object.entries(op.responses))
        for (const media of Object.values(response.content ?? {})) {
          const at = `${method.toUpperCase()} ${path} ${status}`;
          if (!media.schema) continue;
          if ('example' in media) check(media.example, media.schema, `${at} example`);
          for (const [name, ex] of Object.entries(media.examples ?? {}))
            if ('value' in ex) check(ex.value, media.schema, `${at} example ${name}`);
        }
    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('names only the security schemes it defines', () => {
    const schemes = Object.keys(
      ((document.components ?? {}) as { securitySchemes?: object }).securitySchemes ?? {},
    );
    const unknown = operations(document).flatMap(([method, path, op]) =>
      ((op as { security?: Record<string, unknown>[] }).security ?? [])
        .flatMap((s) => Object.keys(s))
        .filter((name) => !schemes.includes(name))
        .map((name) => `${method} ${path}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });
});
