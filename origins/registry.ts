import type { EngineProtocol } from '../schemas/config.ts';
import type { EngineAdapter } from './types.ts';
import { vllmAdapter } from './vllm/index.ts';

/** Protocol name → adapter. Each engine registers here once. */
const adapters: Partial<Record<EngineProtocol, EngineAdapter>> = {
  vllm: vllmAdapter,
};

export function adapterFor(protocol: EngineProtocol): EngineAdapter | undefined {
  return adapters[protocol];
}

export function registeredProtocols(): EngineProtocol[] {
  return Object.keys(adapters) as EngineProtocol[];
}
