import { describe, expect, it } from 'vitest';
import { checkSchema, refResolver, type Schema } from './json-schema-check.ts';

// The checker the document tests rely on: it must find what it claims to find.

const document = {
  components: {
    schemas: {
      Base: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      Extended: {
        allOf: [
          { $ref: '#/components/schemas/Base' },
          { type: 'object', properties: { n: { type: 'integer' } } },
        ],
      },
    },
  },
};
const resolve = refResolver(document);
const check = (value: unknown, schema: Schema, strict = true) =>
  checkSchema(value, schema, resolve, '$', { strict });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('checkSchema', () => {
  it('checks types, nullability by type lists, enums and required properties', () => {
    expect(check('a', { type: ['string', 'null'] })).toEqual([]);
    expect(check(null, { type: ['string', 'null'] })).toEqual([]);
    expect(check(1.5, { type: 'integer' })).toHaveLength(1);
    expect(check('c', { enum: ['a', 'b'] })).toHaveLength(1);
    expect(check({}, ref('Base'))).toEqual(["$: missing required property 'id'"]);
  });

  it('reads allOf parts as one object, and reports fields none of them declares when strict', () => {
    expect(check({ id: 'x', n: 1 }, ref('Extended'))).toEqual([]);
    expect(check({ id: 'x', extra: true }, ref('Extended'))).toEqual(["$: undocumented property 'extra'"]);
    expect(check({ id: 'x', extra: true }, ref('Extended'), false)).toEqual([]);
  });

  it('needs one anyOf branch and exactly one oneOf branch', () => {
    const branches = [{ type: 'string' }, { type: 'string', minLength: 2 }];
    expect(check('ab', { anyOf: branches })).toEqual([]);
    expect(check('ab', { oneOf: branches })).toHaveLength(1);
    expect(check(1, { anyOf: branches })).toHaveLength(1);
  });

  it('fails on a reference that does not resolve', () => {
    expect(() => check({}, ref('Missing'))).toThrow(/unresolved/);
  });
});
