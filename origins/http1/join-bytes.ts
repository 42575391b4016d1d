const EMPTY = new Uint8Array(0);

/** The pieces as one array, copying only when there is more than one non-empty piece. */
export function joinBytes(pieces: readonly Uint8Array[]): Uint8Array {
  const parts = pieces.filter((piece) => piece.byteLength > 0);
  if (parts.length === 0) return EMPTY;
  if (parts.length === 1) return parts[0] as Uint8Array;
  let size = 0;
  for (const part of parts) size += part.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
