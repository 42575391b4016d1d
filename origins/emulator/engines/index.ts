import type { EmulatedEngine } from '../types.ts';
import { vllmEngine } from './vllm.ts';

/** Every emulated engine protocol, by pool protocol name. */
export const emulatedEngines: EmulatedEngine[] = [vllmEngine];
