import type { TestProject } from 'vitest/node';
import { startRawOrigin } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    rawOrigin: string;
    rawOriginIpv6: string;
  }
}

let stop: (() => Promise<void>) | undefined;

/** The scripted HTTP/1.1 origin for the workers tests of the socket transport. */
export async function setup(project: TestProject) {
  const started = await startRawOrigin();
  stop = started.stop;
  project.provide('rawOrigin', started.url);
  project.provide('rawOriginIpv6', started.ipv6Url);
}

export async function teardown() {
  await stop?.();
}
