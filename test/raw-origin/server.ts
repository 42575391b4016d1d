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
  // Head and broken body in one write, so the fault is in the bytes that come with the head.
  'head-and-bad-chunk': [`${SSE_HEAD}zz\r\nnope\r\n`, 'hang'],
  'error-status-bad-chunk': ['HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', 'hang'],
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
 * Listens on 127.0.0.1, and on [::1] too where the machine has IPv6 loopback (`ipv6Url`, else empty),
 * so the IPv6 case runs where it can.
 */
export async function startRawOrigin(): Promise<{ url: string; ipv6Url: string; stop: () => Promise<void> }> {
  const open = new Map<Socket, string>();
  const onConnection = (socket: Socket) => {
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
        const others = [...open].filter(([, p]) => !p.startsWith('/open-count')).map(([, p]) => p);
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
  };
  const server: Server = createServer(onConnection);
  const listen = (target: Server, host: string) =>
    new Promise<boolean>((ok) => {
      target.once('error', () => ok(false));
      target.listen(0, host, () => ok(true));
    });
  const portOf = (target: Server) => {
    const address = target.address();
    return typeof address === 'object' && address ? address.port : 0;
  };
  // Loopback only. A machine may bind ::1 yet not route to it: only a real connection says it works.
  const reaches = (port: number) =>
    new Promise<boolean>((ok) => {
      const probe = connect({ host: '::1', port }, () => {
        probe.destroy();
        ok(true);
      });
      probe.on('error', () => ok(false));
    });
  if (!(await listen(server, '127.0.0.1'))) throw new Error('the raw origin cannot listen');
  const v6 = createServer(onConnection);
  const ipv6 = (await listen(v6, '::1')) && (await reaches(portOf(v6)));
  const stop = async () => {
    for (const socket of open.keys()) socket.destroy();
    await Promise.all(
      [server, v6].map((s) => new Promise<void>((done) => (s.listening ? s.close(() => done()) : done()))),
    );
  };
  return {
    url: `http://127.0.0.1:${portOf(server)}`,
    ipv6Url: ipv6 ? `http://[::1]:${portOf(v6)}` : '',
    stop,
  };
}
