import type { CallContext } from '../types.ts';

/** Calls that asked for base64 vectors (decode sees only the call context, not the request). */
const base64Calls = new WeakSet<CallContext>();

/** Kept when the request is built. */
export function rememberEncoding(ctx: CallContext, encodingFormat: unknown): void {
  if (encodingFormat === 'base64') base64Calls.add(ctx);
}

export function wantsBase64(ctx: CallContext): boolean {
  return base64Calls.has(ctx);
}

export function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => typeof n === 'number');
}

/** OpenAI's base64 encoding: the float32 little-endian bytes of the vector. */
export function toBase64(vector: number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}
