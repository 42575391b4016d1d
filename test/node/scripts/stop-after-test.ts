/**
 * Processes a test started, stopped once it is over, however it ended (a failed assertion included).
 * Importing this registers the `afterEach` that does it for the importing file.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { type Exited, killAll, within } from './process-helpers.ts';

const stops: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** SIGKILL `child`'s process group, and the pids `pids` names then, after the test. */
export function killAfterTest(child: ChildProcess, pids: () => (number | undefined)[] = () => []): void {
  stops.push(() => killAll(child, pids()));
}

/**
 * Stop a script after the test when it still runs. `npm run dev`'s children (wrangler, workerd, the
 * emulator) and deploy:check's wrangler run in process groups of their own, which a signal to the
 * script's group never reaches: the script is asked to stop them (SIGTERM) and given `graceMs` to do
 * so; only then is what is left of its group killed.
 */
export function stopAfterTest(run: { child: ChildProcess; exited: Promise<Exited> }, graceMs = 8000): void {
  stops.push(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGTERM');
      await within(run.exited, graceMs);
    }
    killAll(run.child, []);
  });
}
