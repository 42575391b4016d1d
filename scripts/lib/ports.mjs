import { createServer } from 'node:net';

/**
 * A TCP port from an environment variable: digits only, 1–65535. Port 0 ("any free port") is refused:
 * the dev stack prints and seeds fixed URLs, so it must know its ports before it starts.
 */
export function parsePort(variable, raw, fallback) {
  if (raw === undefined || raw === '') return fallback;
  const port = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${variable}=${JSON.stringify(raw)} is not a usable port: use a number from 1 to 65535`);
  }
  return port;
}

/**
 * Resolves when `port` can be bound on `host`; rejects with a message naming the port and the
 * variable that moves it. Checked before anything starts, so a taken port never leaves half a stack
 * (and the stack never mistakes another server on that port for its own).
 */
export function ensurePortFree(port, variable, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) => {
      const why =
        err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${err.code ?? err.message})`;
      reject(
        new Error(
          `port ${port} on ${host} ${why}: stop what is listening there or set ${variable} to a free port`,
        ),
      );
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** The announced origin (`{ id, url }`) listening on `port`, if any. */
export function originOnPort(origins, port) {
  return origins.find((o) => Number(new URL(o.url).port) === port);
}
