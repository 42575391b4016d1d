import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Exited, freePort, killAll, spawnScript, within } from './process-helpers.ts';

/**
 * `npm run dev` refusing to start: each case must exit non-zero before it starts any child (so within
 * a second or two, long before wrangler could be up), with one message saying what to change.
 */
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function dev(env: Record<string, string>): Promise<Exited | undefined> {
  const { child, exited } = spawnScript(['scripts/dev.mjs'], {
    ECO_PERSIST_DIR: '/nonexistent/eco-dev-refusal',
    ...env,
  });
  // Should it start anything after all, its SIGTERM handler stops its children; then the group goes.
  cleanup = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await within(exited, 5000);
    killAll(child, []);
  };
  return within(exited, 8000);
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe('npm run dev refuses to start', () => {
  it.each([
    ['ECO_GATEWAY_PORT', 'abc'],
    ['ECO_GATEWAY_PORT', '0'],
    ['ECO_EMULATOR_PORT', '65536'],
  ])(
    'with %s=%s',
    async (variable, value) => {
      const result = await dev({ ECO_GATEWAY_PORT: '18787', ECO_EMULATOR_PORT: '18790', [variable]: value });
      expect(result?.code).toBe(1);
      expect(result?.stderr).toContain(`${variable}=${JSON.stringify(value)} is not a usable port`);
      expect(result?.stderr).not.toContain('applying D1 migrations');
    },
    12_000,
  );

  it('with an ECO_DEV_API_KEY the gateway would refuse', async () => {
    const result = await dev({
      ECO_DEV_API_KEY: 'my-dev-key',
      ECO_GATEWAY_PORT: '18787',
      ECO_EMULATOR_PORT: '18790',
    });
    expect(result?.code).toBe(1);
    expect(result?.stderr).toContain('ECO_DEV_API_KEY must start with eco_sk_');
    expect(result?.stderr).not.toContain('applying D1 migrations');
  }, 12_000);

  it.each([
    ['ECO_DEV_VARS', 'ECO_JOB_SHARDS=1', 'ECO_DEV_VARS item "ECO_JOB_SHARDS=1" is not NAME:value'],
    ['ECO_LOG_LEVEL', 'verbose', 'ECO_LOG_LEVEL="verbose" is not a wrangler log level'],
  ])(
    'with %s=%s, which wrangler would take wrongly or only after the whole startup',
    async (variable, value, message) => {
      const result = await dev({ ECO_GATEWAY_PORT: '18787', ECO_EMULATOR_PORT: '18790', [variable]: value });
      expect(result?.code).toBe(1);
      expect(result?.stderr).toContain(message);
      expect(result?.stderr).not.toContain('applying D1 migrations');
    },
    12_000,
  );

  it.each(['ECO_GATEWAY_PORT', 'ECO_EMULATOR_PORT'])(
    'when the port of %s is taken',
    async (variable) => {
      const taken = await freePort();
      servers.push(await occupy(taken));
      const other = await freePort();
      const ports =
        variable === 'ECO_GATEWAY_PORT'
          ? { ECO_GATEWAY_PORT: String(taken), ECO_EMULATOR_PORT: String(other) }
          : { ECO_GATEWAY_PORT: String(other), ECO_EMULATOR_PORT: String(taken) };
      const result = await dev(ports);
      expect(result?.code).toBe(1);
      expect(result?.stderr).toContain(`port ${taken} on 127.0.0.1 is already in use`);
      expect(result?.stderr).toContain(`set ${variable} to a free port`);
      expect(result?.stderr).not.toContain('applying D1 migrations');
    },
    12_000,
  );
});
