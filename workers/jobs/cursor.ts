import { EcoError } from '../../schemas/errors.ts';

/** Opaque list cursor: the (created_at, id) of the last job of the previous page. */
export interface JobCursor {
  createdAt: number;
  id: string;
}

// UTF-8 inside: shard names carry tenant names, which need not be ASCII.
const toBase64Url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
const fromBase64Url = (text: string) =>
  new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
    Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (ch) => ch.charCodeAt(0)),
  );
const invalidCursor = () =>
  new EcoError(400, 'invalid_cursor', 'The cursor is not valid; pass next_cursor from a listing.', {
    param: 'cursor',
  });

export function encodeCursor(cursor: JobCursor): string {
  return toBase64Url(JSON.stringify([cursor.createdAt, cursor.id]));
}

export function decodeCursor(text: string): JobCursor {
  try {
    const [createdAt, id] = JSON.parse(fromBase64Url(text)) as [unknown, unknown];
    if (
      typeof createdAt === 'number' &&
      Number.isInteger(createdAt) &&
      typeof id === 'string' &&
      id.length <= 128
    ) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/**
 * Where a walk over many shards stopped: past the shards named up to `after`, inside the group of
 * shards named up to `through` (null: a group not yet started), below job `before` in that group.
 */
export interface ShardWalkCursor {
  after: string | null;
  through: string | null;
  before: JobCursor | null;
}

export function encodeWalkCursor(cursor: ShardWalkCursor): string {
  const before = cursor.before ? [cursor.before.createdAt, cursor.before.id] : null;
  return toBase64Url(JSON.stringify({ a: cursor.after, t: cursor.through, b: before }));
}

export function decodeWalkCursor(text: string): ShardWalkCursor {
  try {
    const parsed = JSON.parse(fromBase64Url(text)) as unknown;
    // A listing cursor (from before shard walks) reads as a position in the first group.
    if (Array.isArray(parsed)) return { after: null, through: null, before: decodeCursor(text) };
    const { a, t, b } = parsed as { a: unknown; t: unknown; b: unknown };
    const name = (v: unknown) => v === null || (typeof v === 'string' && v.length <= 600);
    if (name(a) && name(t) && (b === null || Array.isArray(b))) {
      const before = b === null ? null : decodeCursor(toBase64Url(JSON.stringify(b)));
      return { after: a as string | null, through: t as string | null, before };
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}
