// The two zlib calls the gateway makes, available under the nodejs_compat flag (the Worker build has no
// Node typings).
declare module 'node:zlib' {
  interface InflateOptions {
    maxOutputLength?: number;
  }
  export function gunzipSync(buffer: Uint8Array, options?: InflateOptions): Uint8Array;
  export function inflateSync(buffer: Uint8Array, options?: InflateOptions): Uint8Array;
}
