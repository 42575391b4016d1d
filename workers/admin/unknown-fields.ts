import type { z } from '@hono/zod-openapi';
import { EcoError } from '../../schemas/errors.ts';

type Path = (string | number)[];

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The path of the first field in `value` that `schema` does not declare, at any depth (records and
 * objects with a catchall take any key). Stored configs are parsed leniently so that they stay
 * readable; a write is checked with this first, so that a misspelt field is refused rather than
 * dropped while the answer says the change was applied.
 */
export function unknownField(schema: z.ZodType, value: unknown, path: Path = []): Path | undefined {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      return def.innerType ? unknownField(def.innerType, value, path) : undefined;
    case 'pipe':
      return def.in ? unknownField(def.in, value, path) : undefined;
    case 'array':
      if (!Array.isArray(value) || !def.element) return undefined;
      for (const [i, item] of value.entries()) {
        const found = unknownField(def.element, item, [...path, i]);
        if (found) return found;
      }
      return undefined;
    case 'object': {
      if (!isPlain(value) || !def.shape) return undefined;
      const open = def.catchall !== undefined && defOf(def.catchall).type !== 'never';
      for (const [key, item] of Object.entries(value)) {
        const field = def.shape[key];
        if (!field) {
          if (open) continue;
          return [...path, key];
        }
        const found = unknownField(field, item, [...path, key]);
        if (found) return found;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A 400 naming the first undeclared field of a config body, if it has one. */
export function refuseUnknownFields(schema: z.ZodType, value: unknown): void {
  const path = unknownField(schema, value);
  if (!path) return;
  const param = path.map(String).join('.');
  throw new EcoError(400, 'invalid_request', `Unrecognized field '${param}'.`, { param });
}
