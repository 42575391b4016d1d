import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the gateway made to a platform send API. */
export interface FakeCall {
  platform: string;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** What a successful LINE send was answered with (its `sentMessages`). */
  answered?: { sentMessages: { id: string; quoteToken: string }[] };
}

export interface ImFake {
  url: string;
  calls: FakeCall[];
  /**
   * Answer the next `count` calls of a platform (to paths ending with `pathSuffix`) with this status,
   * and `body` (JSON) when given.
   */
  failNext(platform: string, count: number, status?: number, pathSuffix?: string, body?: unknown): void;
  close(): Promise<void>;
}

/**
 * A local stand-in for the four platforms' send APIs (`/<platform>/...` on 127.0.0.1): it records every
 * call and answers like the platform does on success, or with injected failures.
 */
export async function startImFake(): Promise<ImFake> {
  const calls: FakeCall[] = [];
  const failures = new Map<string, { count: number; status: number; pathSuffix: string; body?: unknown }>();
  const server: Server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const platform = url.pathname.split('/')[1] ?? '';
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { raw: text };
    }
    const call: FakeCall = {
      platform,
      method: req.method ?? '',
      path: `${url.pathname}${url.search}`,
      headers: req.headers,
      body,
    };
    calls.push(call);
    const failure = failures.get(platform);
    if (failure && failure.count > 0 && url.pathname.endsWith(failure.pathSuffix)) {
      failure.count--;
      res.writeHead(failure.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(failure.body ?? { ok: false, error: 'injected failure' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (platform === 'telegram' && url.pathname.endsWith('/getMe')) {
      res.end(
        JSON.stringify({
          ok: true,
          result: { id: 1, is_bot: true, first_name: 'Eco', username: 'eco_dev_bot' },
        }),
      );
      return;
    }
    if (platform === 'line' && Array.isArray(body.messages)) {
      // LINE names every message it delivered, as its reply and push answers do.
      const sentMessages = body.messages.map((_, i) => ({ id: `${calls.length}${i}`, quoteToken: 'q' }));
      call.answered = { sentMessages };
      res.end(JSON.stringify(call.answered));
      return;
    }
    res.end(
      JSON.stringify(
        platform === 'telegram' ? { ok: true, result: { message_id: calls.length } } : { ok: true },
      ),
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failNext(platform, count, status = 500, pathSuffix = '', body = undefined) {
      failures.set(platform, { count, status, pathSuffix, ...(body === undefined ? {} : { body }) });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
