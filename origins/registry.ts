import type { EngineProtocol } from '../schemas/config.ts';
import { miiOpenAiAdapter, miiRestAdapter } from './deepspeed-mii/index.ts';
import { lmdeployAdapter, lmdeployOpenAiAdapter } from './lmdeploy/index.ts';
import { ollamaAdapter } from './ollama/index.ts';
import { sglangAdapter, sglangOpenAiAdapter } from './sglang/index.ts';
import { tgiAdapter, tgiMessagesAdapter } from './tgi/index.ts';
import { limitedToolCalls } from './tool-call-limit.ts';
import { tritonAdapter, trtllmServeAdapter } from './trtllm/index.ts';
import type { EngineAdapter } from './types.ts';
import { vllmAdapter } from './vllm/index.ts';

/** Protocol name → adapter. Each engine registers here once. */
const engines: Partial<Record<EngineProtocol, EngineAdapter>> = {
  vllm: vllmAdapter,
  'trtllm-serve': trtllmServeAdapter,
  'triton-trtllm': tritonAdapter,
  'deepspeed-mii': miiRestAdapter,
  'deepspeed-mii-openai': miiOpenAiAdapter,
  lmdeploy: lmdeployAdapter,
  'lmdeploy-openai': lmdeployOpenAiAdapter,
  tgi: tgiAdapter,
  'tgi-messages': tgiMessagesAdapter,
  ollama: ollamaAdapter,
  sglang: sglangAdapter,
  'sglang-openai': sglangOpenAiAdapter,
};

// What every engine's chat answers share is enforced once here, not per adapter.
const adapters = Object.fromEntries(
  Object.entries(engines).map(([protocol, adapter]) => [protocol, limitedToolCalls(adapter)]),
) as Partial<Record<EngineProtocol, EngineAdapter>>;

export function adapterFor(protocol: EngineProtocol): EngineAdapter | undefined {
  return adapters[protocol];
}

export function registeredProtocols(): EngineProtocol[] {
  return Object.keys(adapters) as EngineProtocol[];
}
