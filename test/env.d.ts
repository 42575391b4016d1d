import type { D1Migration } from 'cloudflare:test';
import type { Env as GatewayEnv } from '../workers/env.ts';

declare global {
  namespace Cloudflare {
    interface Env extends GatewayEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the scripted HTTP/1.1 origin (test/raw-origin). */
    rawOrigin: string;
    /** The scripted origin's URL on [::1], or '' where the machine has no IPv6 loopback. */
    rawOriginIpv6: string;
  }
}
