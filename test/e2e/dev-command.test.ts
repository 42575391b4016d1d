import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { answers, migratedState, ROOT } from '../node/scripts/process-helpers.ts';
import { freePort } from './helpers/stack.ts';

/** Poll (bounded) until `check` holds; false when it never did. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('npm run dev', () => {
  it('serves, and a SIGTERM to npm alone stops the gateway and the emulator it started', async () => {
    const gatewayPort = await freePort();
    const emulatorPort = await freePort();
    // Already migrated (a start on empty state is what the shared stack of this project does).
    const persistDir = await migratedState('dev-command');
    // Its own process group, for cleanup only: the signal under test goes to npm's process alone, as a
    // process manager would send it. Its stdin, which the stack inherits, ends should this run be
    // interrupted before the clean-up below, and the stack then stops.
    const npm = spawn('npm', ['run', 'dev'], {
      cwd: ROOT,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ECO_DEV_EXIT_ON_STDIN_EOF: '1',
        ECO_GATEWAY_PORT: String(gatewayPort),
        ECO_EMULATOR_PORT: String(emulatorPort),
        ECO_PERSIST_DIR: persistDir,
        ECO_DEV_API_KEY: `eco_sk_e2e_${crypto.randomUUID().replaceAll('-', '')}`,
      },
    });
    let output = '';
    npm.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    npm.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const gateway = `http://127.0.0.1:${gatewayPort}/health`;
    const control = `http://127.0.0.1:${emulatorPort}/_control/origins`;
    try {
      expect(await eventually(() => answers(gateway), 90_000), output).toBe(true);
      expect(await answers(control)).toBe(true);
      npm.kill('SIGTERM');
      expect(
        await eventually(async () => !(await answers(gateway)) && !(await answers(control)), 20_000),
        output,
      ).toBe(true);
    } finally {
      // Whatever is left of the group: a SIGTERM lets the stack script stop the children it started
      // (they have process groups of their own), then a SIGKILL for anything still there.
      const group = (signal: NodeJS.Signals) => {
        try {
          if (npm.pid !== undefined) process.kill(-npm.pid, signal);
        } catch {
          // already gone
        }
      };
      group('SIGTERM');
      await eventually(async () => !(await answers(gateway)) && !(await answers(control)), 15_000);
      group('SIGKILL');
    }
  }, 120_000);
});
