import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForHttp } from '../../../scripts/lib/procs.mjs';
import { within } from './process-helpers.ts';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  server?.close();
  server = undefined;
});

describe('the readiness poll of the dev scripts', () => {
  it('gives up within its bound on a server that accepts connections and never answers', async () => {
    server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const outcome = within(
      waitForHttp(`http://127.0.0.1:${port}/health`, 1000).then(
        () => 'ready',
        (err: Error) => err.message,
      ),
      10_000,
    );
    expect(await outcome).toMatch(/not ready after 1000 ms/);
  }, 15_000);
});
