import { EcoError } from '../../schemas/errors.ts';

/** Opaque list cursor: the (created_at, id) of the last job of the previous page. */
export interface JobCursor {
  createdAt: number;
  id: string;
}

export function encodeCursor(cursor: JobCursor): string {
  return btoa(JSON.stringify([cursor.createdAt, cursor.id]))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');
}

export function decodeCursor(text: string): JobCursor {
  try {
    const padded = text.replaceAll('-', '+').replaceAll('_', '/');
    const [createdAt, id] = JSON.parse(atob(padded)) as [unknown, unknown];
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
  throw new EcoError(400, 'invalid_cursor', 'The cursor is not valid; pass next_cursor from a listing.', {
    param: 'cursor',
  });
}
