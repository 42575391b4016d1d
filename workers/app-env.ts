import type { Env } from './env.ts';
import type { ServerTiming } from './http/server-timing.ts';
import type { Principal } from './principal.ts';

export interface AppVariables {
  requestId: string;
  principal: Principal;
  timing: ServerTiming;
}

/** The Hono environment of every route and middleware. */
export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
