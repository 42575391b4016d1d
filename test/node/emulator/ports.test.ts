import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../../origins/emulator/server.ts';
import { freePort } from '../../e2e/helpers/stack.ts';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('emulator ports', () => {
  it('binds the control port before any origin, so an origin can never hold it', async () => {
    const port = await freePort();
    // An origin asking for the control port stands in for one handed it as "any free port".
    const failed = await startEmulator({
      controlPort: port,
      origins: [{ engine: 'vllm', id: 'vllm-1', port }],
    }).then(
      () => undefined,
      (err: NodeJS.ErrnoException) => err,
    );
    expect(failed?.code).toBe('EADDRINUSE');
    // The clash is the origin's: the control port was already the emulator's own.
    expect((failed as { port?: number } | undefined)?.port).toBe(port);
    // Nothing is left listening after a failed start.
    expect(await canListen(port)).toBe(true);
  });

  it('closes the control server when an origin cannot start', async () => {
    const port = await freePort();
    await expect(
      startEmulator({ controlPort: port, origins: [{ engine: 'no-such-engine', id: 'x-1' }] }),
    ).rejects.toThrow("unknown engine 'no-such-engine'");
    expect(await canListen(port)).toBe(true);
  });
});
