import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP server that answers each request with a scripted byte sequence, so the gateway's own HTTP/1.1
 * client can be tested against responses no real HTTP server would send. The request path names the
 * script (`/ok-chunked`, …); `/echo` answers with the request head and body it received.
 */

type Step = string | Buffer | { pause: number } | 'cut' | 'hang';

const SSE = [
  'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n',
  'data: {"choices":[{"delta":{"content":"lo"}}]}\n\n',
  'data: [DONE]\n\n',
];
const chunk = (text: string, ext = '') => `${Buffer.byteLength(text).toString(16)}${ext}\r\n${text}\r\n`;
const SSE_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n';

export const SCRIPTS: Record<string, Step[]> = {
  'ok-chunked': [SSE_HEAD, ...SSE.map((e) => chunk(e)), '0\r\n\r\n'],
  // Extensions, upper-case hex, a trailer and bare-LF line ends: all valid.
  'ok-chunked-odd': [
    'HTTP/1.1 200 OK\ncontent-type: text/event-stream\nTransfer-Encoding: Chunked\n\n',
    `${chunk(SSE[0] as string, ';name=value')}`,
    `${Buffer.byteLength(SSE[1] as string)
      .toString(16)
      .toUpperCase()}\n${SSE[1]}\n`,
    chunk(SSE[2] as string),
    '0\r\nx-trailer: 1\r\n\r\n',
  ],
  'ok-length': ['HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}'],
  'ok-close': ['HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end', 'cut'],
  'ok-continue': ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi'],
  'ok-no-content': ['HTTP/1.1 204 No Content\r\n\r\n'],
  'status-503': [
    'HTTP/1.1 503 Service Unavailable\r\nretry-after: 2\r\ncontent-length: 22\r\n\r\n{"error":"overloaded"}',
  ],
  'cut-chunked': [SSE_HEAD, chunk(SSE[0] as string), { pause: 20 }, '2', 'cut'],
  'cut-head': ['HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n', 'cut'],
  'cut-length': ['HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b', 'cut'],
  'bad-chunk-size': [SSE_HEAD, chunk(SSE[0] as string), 'zz\r\nnope\r\n'],
  'bad-chunk-data': [SSE_HEAD, `5\r\ntoo long for five\r\n`],
  // The same fault on a connection the origin keeps open: the fault must not wait for more bytes.
  'bad-chunk-data-open': [SSE_HEAD, `5\r\ntoo long for five\r\n`, 'hang'],
  'te-and-length': [
    'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  ],
  'obs-text': [Buffer.from('HTTP/1.1 200 OK\r\nx-obs: caf\xe9\x80\r\ncontent-length: 0\r\n\r\n', 'latin1')],
  'reset-content': ['HTTP/1.1 205 Reset Content\r\n\r\nxyz', 'cut'],
  'switching-protocols': ['HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n', 'hang'],
  'endless-continue': [...Array.from({ length: 20 }, () => 'HTTP/1.1 100 Continue\r\n\r\n'), 'hang'],
  'bad-reason': ['HTTP/1.1 200 O\x01K\r\ncontent-length: 0\r\n\r\n'],
  'http10-chunked': ['HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'],
  'stall-close': ['HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\npartial', 'hang'],
  'bad-status': ['HTTP/2 200 OK\r\n\r\n'],
  'not-http': ['SSH-2.0-OpenSSH_9.6\r\n\r\n'],
  'bad-header': ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'],
  'folded-header': ['HTTP/1.1 200 OK\r\nx-a: one\r\n  two\r\ncontent-length: 0\r\n\r\n'],
  gzip: ['HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n'],
  'conflicting-length': ['HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!'],
  'huge-head': ['HTTP/1.1 200 OK\r\n', `x-pad: ${'a'.repeat(70 * 1024)}\r\n`, 'hang'],
  'stall-head': ['hang'],
  'stall-body': [SSE_HEAD, chunk(SSE[0] as string), 'hang'],
};

/** Sends `steps` one write at a time; a string is split into single bytes when `bytewise`. */
async function play(socket: Socket, steps: Step[], bytewise: boolean): Promise<void> {
  for (const step of steps) {
    if (socket.destroyed) return;
    if (step === 'cut') return void socket.destroy();
    if (step === 'hang') return; // the client decides when it ends
    if (Buffer.isBuffer(step)) {
      socket.write(step);
      continue;
    }
    if (typeof step === 'object') {
      await new Promise((r) => setTimeout(r, step.pause));
      continue;
    }
    if (!bytewise) socket.write(step);
    else for (const byte of Buffer.from(step)) socket.write(Buffer.from([byte]));
  }
  socket.end();
}

/**
 * Listens on every address (`::`, which takes IPv4 too) where the machine has IPv6, else on 127.0.0.1;
 * `ipv6` says which, so the IPv6 case can run where it can.
 */
export async function startRawOrigin(): Promise<{ url: string; ipv6: boolean; stop: () => Promise<void> }> {
  const open = new Map<Socket, string>();
  const server: Server = createServer((socket) => {
    open.set(socket, '(no request yet)');
    socket.on('close', () => open.delete(socket));
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let received = Buffer.alloc(0);
    socket.on('data', (data) => {
      received = Buffer.concat([received, data]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      socket.removeAllListeners('data');
      const path = head.split(' ')[1] ?? '/';
      const [name, query] = path.slice(1).split('?');
      open.set(socket, path);
      if (name === 'open-count') {
        // How many other connections are open: the client must close every one it is done with.
        // Answered as `<count> <path>,<path>…`, the paths saying which exchanges were left open.
        const others = [...open].filter(([s]) => s !== socket).map(([, p]) => p);
        const text = `${others.length} ${others.join(',')}`;
        socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
        return;
      }
      if (name === 'echo') {
        const body = received.subarray(0, end + 4 + length);
        socket.end(
          Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`), body]),
        );
        return;
      }
      const steps = SCRIPTS[name ?? ''];
      if (!steps) return void socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
      void play(socket, steps, query === 'bytewise');
    });
  });
  const listen = (host: string) =>
    new Promise<boolean>((ok) => {
      server.once('error', () => ok(false));
      server.listen(0, host, () => ok(true));
    });
  const port = () => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  };
  // A machine may accept `::` yet have no IPv6 loopback: only a real connection to ::1 says it works.
  const reachesV6 = () =>
    new Promise<boolean>((ok) => {
      const probe = connect({ host: '::1', port: port() }, () => {
        probe.destroy();
        ok(true);
      });
      probe.on('error', () => ok(false));
    });
  const stop = () =>
    new Promise<void>((done) => {
      for (const socket of open.keys()) socket.destroy();
      server.close(() => done());
    });
  const listening = (await listen('::')) || (await listen('127.0.0.1'));
  if (!listening) throw new Error('the raw origin cannot listen');
  const ipv6 = (server.address() as { family?: string }).family === 'IPv6' && (await reachesV6());
  return { url: `http://127.0.0.1:${port()}`, ipv6, stop };
}
