// Types `ctx.exports` / `exports` from cloudflare:workers with this Worker's own entry points.
declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('./index.ts');
      durableNamespaces: 'EnginePool' | 'RateLimiter' | 'JobQueue' | 'Conversation';
    }
  }
}

export {};
