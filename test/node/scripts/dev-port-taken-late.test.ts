import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { migratedState, startDev, within } from './process-helpers.ts';
import { stopAfterTest } from './stop-after-test.ts';

describe('npm run dev when the gateway port is taken while it starts', () => {
  it('says which port and which variable moves it, and leaves nothing running', async () => {
    const dev = await startDev(await migratedState('dev-port-late'));
    stopAfterTest(dev);
    let server: Server | undefined;
    // Free when dev checked it first; taken by the time the gateway would start (during the seeding).
    dev.child.stderr?.on('data', (d: Buffer) => {
      if (server || !d.toString().includes('[dev] seeding')) return;
      server = createServer();
      server.listen(dev.gatewayPort, '127.0.0.1');
    });
    try {
      const result = await within(dev.exited, 90_000);
      expect(result?.code, result?.stderr).toBe(1);
      expect(result?.stderr).toContain(
        `port ${dev.gatewayPort} on 127.0.0.1 is already in use: stop what is listening there or set ECO_GATEWAY_PORT to a free port`,
      );
      expect(result?.stderr).not.toContain('starting the gateway');
      expect(await dev.emulatorAnswers()).toBe(false);
    } finally {
      server?.close();
    }
  }, 120_000);
});
