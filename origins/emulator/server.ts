import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkFault, checkSettings, parseControlBody } from './control-input.ts';
import { emulatedEngines } from './engines/index.ts';
import { FaultTable } from './faults.ts';
import { sendJson, sendText } from './http.ts';
import type { EmulatedEngine, EmulatorSettings, OriginState } from './types.ts';

export interface OriginSpec {
  engine: string;
  id: string;
  /** 0 (default): any free port. */
  port?: number;
}

export interface EmulatorOptions {
  host?: string;
  controlPort: number;
  origins: OriginSpec[];
  settings?: Partial<EmulatorSettings>;
}

export interface RunningEmulator {
  controlUrl: string;
  origins: OriginState[];
  faults: FaultTable;
  settings: EmulatorSettings;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

/** Every engine protocol the emulator speaks, one origin each, vLLM with a replica. */
export function defaultOrigins(): OriginSpec[] {
  const specs: OriginSpec[] = [];
  for (const engine of emulatedEngines) {
    specs.push({ engine: engine.protocol, id: `${engine.protocol}-1` });
    if (engine.protocol === 'vllm') specs.push({ engine: 'vllm', id: 'vllm-2' });
  }
  return specs;
}

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const settings: EmulatorSettings = {
    tokensPerSecond: 50,
    ttftMs: 20,
    defaultMaxTokens: 64,
    answerTokens: 24,
    ...options.settings,
  };
  const faults = new FaultTable();
  const servers: Server[] = [];
  const origins: OriginState[] = [];

  // A failing control request answers 500; it never takes the emulator (and a dev stack) down.
  const control = createServer((req, res) =>
    serveControl(req, res, origins, faults, settings).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    }),
  );
  // The control port is bound first: the origins take any free port, and one of them could
  // otherwise be handed the control port the caller chose.
  await listen(control, options.controlPort, host);
  servers.push(control);
  const controlPort = (control.address() as AddressInfo).port;
  const closeAll = () =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    ).then(() => undefined);

  try {
    await startOrigins();
  } catch (err) {
    await closeAll();
    throw err;
  }

  return { controlUrl: `http://${host}:${controlPort}`, origins, faults, settings, close: closeAll };

  async function startOrigins() {
    for (const spec of options.origins) {
      const engine = emulatedEngines.find((e) => e.protocol === spec.engine);
      if (!engine) throw new Error(`unknown engine '${spec.engine}'`);
      const state: OriginState = {
        id: spec.id,
        engine: spec.engine,
        port: 0,
        url: '',
        inFlight: 0,
        served: 0,
        models: new Set(),
      };
      const server = createServer((req, res) => void serveOrigin(engine, state, settings, faults, req, res));
      server.on('connection', (socket) => {
        const refuse = faults
          .list()
          .find(
            (f) => f.mode === 'refuse' && f.engine === spec.engine && (!f.origin || f.origin === spec.id),
          );
        if (refuse) {
          faults.takeForRequest(spec.engine, spec.id);
          socket.destroy();
        }
      });
      await listen(server, spec.port ?? 0, host);
      state.port = (server.address() as AddressInfo).port;
      state.url = `http://${host}:${state.port}`;
      servers.push(server);
      origins.push(state);
    }
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
  });
}

async function serveOrigin(
  engine: EmulatedEngine,
  origin: OriginState,
  settings: EmulatorSettings,
  faults: FaultTable,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const rawBody = await readBody(req);
  if (rawBody === undefined) return sendText(res, 413, 'body too large');
  let body: unknown;
  try {
    body = rawBody.length > 0 ? JSON.parse(rawBody) : undefined;
  } catch {
    body = undefined;
  }
  const probe = engine.probePaths.includes(url.pathname);
  const fault = probe
    ? faults.peekHealth(engine.protocol, origin.id)
    : faults.takeForRequest(engine.protocol, origin.id);
  // A kept-alive connection never reconnects, so a refusal also drops requests on open sockets.
  if (fault?.mode === 'refuse') {
    req.socket.destroy();
    return;
  }
  if (!probe) {
    origin.inFlight++;
    origin.served++;
    res.once('close', () => {
      origin.inFlight--;
    });
  }
  try {
    const handled = await engine.handle({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      req,
      res,
      body,
      rawBody,
      origin,
      settings,
      fault,
    });
    if (!handled && !res.headersSent) sendText(res, 404, 'Not Found');
  } catch (err) {
    if (!res.headersSent) sendJson(res, 500, { error: String(err) });
    else res.destroy();
  }
}

const CONTROL_ROUTES = new Set([
  'GET /health',
  'GET /_control/origins',
  'GET /_control/stats',
  'GET /_control/faults',
  'DELETE /_control/faults',
  'POST /_control/faults',
  'GET /_control/settings',
  'POST /_control/settings',
]);

async function serveControl(
  req: IncomingMessage,
  res: ServerResponse,
  origins: OriginState[],
  faults: FaultTable,
  settings: EmulatorSettings,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://control');
  const route = `${req.method} ${url.pathname}`;
  if (!CONTROL_ROUTES.has(route)) return sendJson(res, 404, { error: `no control route ${route}` });
  const raw = await readBody(req);
  if (raw === undefined) return sendJson(res, 413, { error: 'body too large' });
  const parsed = parseControlBody(raw);
  if (!parsed.ok) return sendJson(res, 400, { error: parsed.error });
  const body = parsed.value;
  switch (route) {
    case 'GET /health':
      return sendJson(res, 200, { status: 'ok' });
    case 'GET /_control/origins':
      return sendJson(res, 200, {
        origins: origins.map(({ id, engine, port, url }) => ({ id, engine, port, url })),
      });
    case 'GET /_control/stats':
      return sendJson(res, 200, {
        origins: origins.map(({ id, engine, inFlight, served, pulls }) => ({
          id,
          engine,
          inFlight,
          served,
          pulls: pulls ?? 0,
        })),
      });
    case 'GET /_control/faults':
      return sendJson(res, 200, { faults: faults.list() });
    case 'DELETE /_control/faults':
      faults.clear();
      return sendJson(res, 200, { faults: [] });
    case 'POST /_control/faults': {
      const fault = checkFault(body, origins);
      if (!fault.ok) return sendJson(res, 400, { error: fault.error });
      return sendJson(res, 201, faults.add(fault.value));
    }
    case 'GET /_control/settings':
      return sendJson(res, 200, settings);
    case 'POST /_control/settings': {
      // Checked as a whole first: a refused request changes nothing.
      const change = checkSettings(body);
      if (!change.ok) return sendJson(res, 400, { error: change.error });
      Object.assign(settings, change.value);
      return sendJson(res, 200, settings);
    }
    default:
      return sendJson(res, 404, { error: `no control route ${route}` });
  }
}
