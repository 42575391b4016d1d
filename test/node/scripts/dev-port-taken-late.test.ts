import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killAll, spawnScript, within } from './process-helpers.ts';

const persistDir = mkdtempSync(join(tmpdir(), 'eco-dev-port-late-'));
afterAll(() => rmSync(persistDir, { recursive: true, force: true }));

describe('npm run dev when the gateway port is taken while it starts', () => {
  it('says which port and which variable moves it, and leaves nothing running', async () => {
    const gatewayPort = await freePort();
    const emulatorPort = await freePort();
    const { child, exited } = spawnScript(['scripts/dev.mjs'], {
      ECO_GATEWAY_PORT: String(gatewayPort),
      ECO_EMULATOR_PORT: String(emulatorPort),
      ECO_PERSIST_DIR: persistDir,
    });
    let server: Server | undefined;
    // Free when dev checked it first; taken by the time the gateway would start (during the seeding).
    child.stderr?.on('data', (d: Buffer) => {
      if (server || !d.toString().includes('[dev] seeding')) return;
      server = createServer();
      server.listen(gatewayPort, '127.0.0.1');
    });
    try {
      const result = await within(exited, 90_000);
      expect(result?.code, result?.stderr).toBe(1);
      expect(result?.stderr).toContain(
        `port ${gatewayPort} on 127.0.0.1 is already in use: stop what is listening there or set ECO_GATEWAY_PORT to a free port`,
      );
      expect(result?.stderr).not.toContain('starting the gateway');
      const control = await fetch(`http://127.0.0.1:${emulatorPort}/_control/origins`).then(
        () => 'answering',
        () => 'gone',
      );
      expect(control).toBe('gone');
    } finally {
      server?.close();
      killAll(child, []);
    }
  }, 120_000);
});
