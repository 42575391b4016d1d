import type { TestProject } from 'vitest/node';
import { type RunningStack, type Stack, startStack } from './helpers/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: Stack;
  }
}

let stack: RunningStack | undefined;

/** One dev stack shared by the e2e files (they run one at a time); files needing restarts start their own. */
export async function setup(project: TestProject) {
  stack = await startStack();
  project.provide('stack', {
    gateway: stack.gateway,
    emulator: stack.emulator,
    apiKey: stack.apiKey,
    persistDir: stack.persistDir,
  });
}

export async function teardown() {
  await stack?.stop({ removeState: true });
}
