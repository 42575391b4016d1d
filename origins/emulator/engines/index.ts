import type { EmulatedEngine } from '../types.ts';
import { deepspeedMiiEngine, deepspeedMiiOpenAiEngine } from './deepspeed-mii.ts';
import { lmdeployEngine, lmdeployOpenAiEngine } from './lmdeploy.ts';
import { ollamaEngine } from './ollama.ts';
import { sglangEngine, sglangOpenAiEngine } from './sglang.ts';
import { tgiEngine, tgiMessagesEngine } from './tgi.ts';
import { tritonTrtllmEngine } from './triton-trtllm.ts';
import { trtllmServeEngine } from './trtllm-serve.ts';
import { vllmEngine } from './vllm.ts';

/** Every emulated engine protocol, by pool protocol name. */
export const emulatedEngines: EmulatedEngine[] = [
  vllmEngine,
  tgiEngine,
  tgiMessagesEngine,
  ollamaEngine,
  sglangEngine,
  sglangOpenAiEngine,
  trtllmServeEngine,
  tritonTrtllmEngine,
  deepspeedMiiEngine,
  deepspeedMiiOpenAiEngine,
  lmdeployEngine,
  lmdeployOpenAiEngine,
];
