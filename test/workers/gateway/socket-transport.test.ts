import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { bodyDecoder } from '../../../origins/http1/body.ts';
import { ChunkedDecoder } from '../../../origins/http1/chunked.ts';
import { fieldValue, isFieldAllowed, requestHead } from '../../../origins/http1/request-head.ts';
import {
  bodyFraming,
  Http1Error,
  MAX_HEAD_BYTES,
  parseResponseHead,
} from '../../../origins/http1/response-head.ts';
import type { PoolConfig } from '../../../schemas/config.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { fetchOrigin } from '../../../workers/dispatch/origin-fetch.ts';
import type { OriginBody, OriginResponse } from '../../../workers/dispatch/origin-response.ts';
import { socketFetch } from '../../../workers/dispatch/socket-fetch.ts';
import type { Env } from '../../../workers/env.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const origin = inject('rawOrigin');

describe('HTTP/1.1 response head', () => {
  it('waits for the blank line, then reads status, reason and fields (CRLF or bare LF)', () => {
    expect(parseResponseHead(bytes('HTTP/1.1 200 OK\r\ncontent-type: a'))).toBeUndefined();
    const head = parseResponseHead(
      bytes('HTTP/1.1 200 OK\r\nContent-Type:  text/plain \r\nX-A: 1\r\n\r\nbody'),
    );
    expect(head).toEqual({
      minor: 1,
      status: 200,
      statusText: 'OK',
      headers: [
        ['content-type', 'text/plain'],
        ['x-a', '1'],
      ],
      length: 55,
    });
    expect(parseResponseHead(bytes('HTTP/1.0 503\nretry-after: 2\n\n'))).toMatchObject({
      minor: 0,
      status: 503,
      statusText: '',
      headers: [['retry-after', '2']],
      length: 29,
    });
  });

  it.each([
    ['a status line of another protocol', 'HTTP/2 200 OK\r\n\r\n'],
    ['no status line at all', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['a status outside 100..599', 'HTTP/1.1 700 Odd\r\n\r\n'],
    ['a field without a colon', 'HTTP/1.1 200 OK\r\nno colon\r\n\r\n'],
    ['a field name with a space', 'HTTP/1.1 200 OK\r\nx a: 1\r\n\r\n'],
    ['a folded field', 'HTTP/1.1 200 OK\r\nx-a: 1\r\n 2\r\n\r\n'],
    ['a bare CR inside a value', 'HTTP/1.1 200 OK\r\nx-a: 1\r2\r\n\r\n'],
    ['a bare CR ending a value', 'HTTP/1.1 200 OK\r\nx-a: v\r\r\n\r\n'],
    ['a control character around a length', 'HTTP/1.1 200 OK\r\ncontent-length: \x0b2\x0c\r\n\r\n'],
    ['a control character in the reason', 'HTTP/1.1 200 O\x01K\r\n\r\n'],
  ])('refuses %s', (_, raw) => {
    expect(() => parseResponseHead(bytes(raw))).toThrow(Http1Error);
  });

  it('refuses a head that grows past its bound, ended or not', () => {
    const start = bytes(`HTTP/1.1 200 OK\r\nx-pad: ${'a'.repeat(MAX_HEAD_BYTES)}`);
    expect(() => parseResponseHead(start)).toThrow(/over/);
    const ended = bytes(`HTTP/1.1 200 OK\r\nx-pad: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`);
    expect(() => parseResponseHead(ended)).toThrow(/over/);
  });

  it('keeps obs-text bytes as they are, one character per byte', () => {
    const raw = Uint8Array.from([
      ...bytes('HTTP/1.1 200 OK\r\nx-obs: caf'),
      0xe9,
      0x80,
      ...bytes('\r\n\r\n'),
    ]);
    expect(parseResponseHead(raw)?.headers).toEqual([['x-obs', 'caf\u00e9\u0080']]);
  });

  const head = (fields: string, status = 200) =>
    parseResponseHead(bytes(`HTTP/1.1 ${status} X\r\n${fields}\r\n`)) as NonNullable<
      ReturnType<typeof parseResponseHead>
    >;

  it('frames the body as RFC 9112 §6.3 says', () => {
    expect(bodyFraming(head('transfer-encoding: chunked\r\n'))).toEqual({ kind: 'chunked' });
    // Transfer-Encoding wins over Content-Length.
    expect(bodyFraming(head('content-length: 3\r\ntransfer-encoding: Chunked\r\n'))).toEqual({
      kind: 'chunked',
    });
    expect(bodyFraming(head('content-length: 12\r\n'))).toEqual({ kind: 'length', length: 12 });
    expect(bodyFraming(head('content-length: 4, 4\r\ncontent-length: 4\r\n'))).toEqual({
      kind: 'length',
      length: 4,
    });
    expect(bodyFraming(head(''))).toEqual({ kind: 'close' });
    expect(bodyFraming(head('content-length: 9\r\n', 204))).toEqual({ kind: 'none' });
    expect(bodyFraming(head('', 304))).toEqual({ kind: 'none' });
    expect(bodyFraming(head('', 205))).toEqual({ kind: 'none' });
  });

  it('refuses transfer coding in an HTTP/1.0 response', () => {
    const old = parseResponseHead(bytes('HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n'));
    expect(() => bodyFraming(old as NonNullable<typeof old>)).toThrow(/HTTP\/1.0/);
  });

  it.each([
    ['a content coding it cannot undo', 'transfer-encoding: gzip, chunked\r\n'],
    ['chunked applied twice', 'transfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n'],
    ['conflicting lengths', 'content-length: 5\r\ncontent-length: 6\r\n'],
    ['a length that is not a number', 'content-length: 5a\r\n'],
    ['a negative length', 'content-length: -1\r\n'],
  ])('refuses %s', (_, fields) => {
    expect(() => bodyFraming(head(fields))).toThrow(Http1Error);
  });
});

describe('chunked body decoder', () => {
  const encode = (pieces: string[], ext: string[], trailers: string[]) =>
    pieces
      .filter((p) => p.length > 0)
      .map(
        (p, i) =>
          `${new TextEncoder().encode(p).byteLength.toString(16)}${ext[i % ext.length] ?? ''}\r\n${p}\r\n`,
      )
      .join('') + `0\r\n${trailers.map((t) => `${t}\r\n`).join('')}\r\n`;

  it('yields exactly the payload, whatever the split of the bytes and the extensions or trailers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { maxLength: 12 }),
        fc.array(fc.constantFrom('', ';a=b', ';x', ' ;q="v"'), { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom('x-t: 1', 'x-u: two'), { maxLength: 2 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 16 }),
        fc.constantFrom('', 'HTTP/1.1 200 OK\r\n\r\n'),
        (pieces, ext, trailers, cuts, after) => {
          const wire = bytes(encode(pieces, ext, trailers) + after);
          const decoder = new ChunkedDecoder();
          const out: Uint8Array[] = [];
          let at = 0;
          for (let i = 0; at < wire.byteLength; i++) {
            const size = cuts[i % cuts.length] as number;
            out.push(decoder.push(wire.subarray(at, at + size)));
            at += size;
          }
          expect(decoder.done).toBe(true);
          expect(() => decoder.end()).not.toThrow();
          expect(text(Uint8Array.from(out.flatMap((o) => [...o])))).toBe(pieces.join(''));
        },
      ),
    );
  });

  it('returns what arrived together as one piece', () => {
    const decoder = new ChunkedDecoder();
    const got = decoder.push(bytes('3\r\nabc\r\n2\r\nde\r\n'));
    expect(text(got)).toBe('abcde');
  });

  it.each([
    ['padded and upper-case sizes', '0005 \t\r\nhello\r\nA\r\n0123456789\r\n0\r\n\r\n', 'hello0123456789'],
    ['bare LF line ends', '5\nhello\n0\n\n', 'hello'],
    ['an extension after padding', '5 ;a=b\r\nhello\r\n0\r\n\r\n', 'hello'],
  ])('reads %s', (_, wire, payload) => {
    const decoder = new ChunkedDecoder();
    expect(text(decoder.push(bytes(wire)))).toBe(payload);
    expect(decoder.done).toBe(true);
  });

  it.each([
    ['a size that is not hex', 'zz\r\n'],
    ['a size line ending in two CRs', '5\r\r\nhello\r\n'],
    ['a size after padding', ' 5\r\nhello\r\n'],
    ['thirteen hex digits', '0000000000005\r\nhello\r\n'],
    ['a size padded beyond the longest line', `5${' '.repeat(5000)}\r\nhello\r\n`],
    ['a size line without end', `${'1'.repeat(5000)}`],
    ['a size too large to be real', 'fffffffffffff\r\n'],
  ])('refuses %s', (_, wire) => {
    const decoder = new ChunkedDecoder();
    expect(decoder.push(bytes(wire)).byteLength).toBe(0);
    expect(() => decoder.throwIfFailed()).toThrow(Http1Error);
  });

  it('hands out the payload before a fault, then raises the fault', () => {
    const decoder = new ChunkedDecoder();
    expect(text(decoder.push(bytes('2\r\nabc\r\n')))).toBe('ab');
    expect(() => decoder.push(bytes('0\r\n\r\n'))).toThrow(/longer than its size/);
    expect(() => decoder.end()).toThrow(/longer than its size/);
  });

  it('refuses endless trailers and a body the connection cut short', () => {
    const trailers = new ChunkedDecoder();
    trailers.push(bytes(`0\r\n${'x-t: 1\r\n'.repeat(100)}`));
    expect(() => trailers.throwIfFailed()).toThrow(/trailer/);
    const cut = new ChunkedDecoder();
    cut.push(bytes('5\r\nab'));
    expect(() => cut.end()).toThrow(/closed inside/);
  });

  it('a declared length ends the body there; a short one is an error at close', () => {
    const exact = bodyDecoder({ kind: 'length', length: 5 });
    expect(text(exact.push(bytes('hel')))).toBe('hel');
    expect(text(exact.push(bytes('lo and more')))).toBe('lo');
    expect(exact.done).toBe(true);
    const short = bodyDecoder({ kind: 'length', length: 5 });
    short.push(bytes('hi'));
    expect(() => short.end()).toThrow(/3 bytes before/);
    const close = bodyDecoder({ kind: 'close' });
    expect(text(close.push(bytes('all')))).toBe('all');
    expect(close.done).toBe(false);
    expect(() => close.end()).not.toThrow();
  });
});

describe('HTTP/1.1 request head', () => {
  it('sets framing and connection itself, and keeps the caller’s other fields', () => {
    const headers = {
      authorization: 'Bearer k',
      'content-type': 'application/json',
      host: 'evil.example',
      'content-length': '999',
      'transfer-encoding': 'chunked',
      connection: 'keep-alive',
    };
    const head = requestHead('POST', new URL('http://10.0.0.5:8000/v1/chat/completions?x=1'), headers, 12);
    expect(head).toBe(
      'POST /v1/chat/completions?x=1 HTTP/1.1\r\nhost: 10.0.0.5:8000\r\n' +
        'authorization: Bearer k\r\ncontent-type: application/json\r\n' +
        'content-length: 12\r\naccept-encoding: identity\r\nconnection: close\r\n\r\n',
    );
  });

  it('writes a plain record of fields as they are, and the same framing', () => {
    const fields = { 'content-type': 'application/json', host: 'evil.example', 'x-api-key': 'k\t1' };
    const head = requestHead('POST', new URL('http://10.0.0.5:8000/v1/x'), fields, 3);
    expect(head).toBe(
      'POST /v1/x HTTP/1.1\r\nhost: 10.0.0.5:8000\r\ncontent-type: application/json\r\nx-api-key: k\t1\r\n' +
        'content-length: 3\r\naccept-encoding: identity\r\nconnection: close\r\n\r\n',
    );
  });

  it('trims a record value as Headers does (a secret read with its newline), and keeps other characters', () => {
    const head = requestHead('GET', new URL('http://10.0.0.5/'), {
      authorization: ' Bearer k\r\n',
      'x-b': 'a\u0001b',
      'x-c': 'é€',
    });
    expect(head).toContain('\r\nauthorization: Bearer k\r\nx-b: a\u0001b\r\nx-c: é€\r\n');
    expect(fieldValue('\tk \n')).toBe('k');
  });

  it.each([
    ['a line break in a value', { 'x-a': 'v\r\nx-forged: 1' }],
    ['a bare LF in a value', { 'x-a': 'v\nx-forged: 1' }],
    ['a NUL in a value', { 'x-a': 'v\u0000' }],
    ['a space in a name', { 'x a': 'v' }],
    ['a colon in a name', { 'x-a:': 'v' }],
    ['an empty name', { '': 'v' }],
  ])('refuses a record field with %s', (_, fields) => {
    expect(() => requestHead('GET', new URL('http://10.0.0.5/'), fields)).toThrow(TypeError);
    expect(isFieldAllowed(Object.keys(fields)[0]!, Object.values(fields)[0]!)).toBe(false);
  });
});

describe('socketFetch against a scripted origin', () => {
  const go = (script: string, init: { signal?: AbortSignal; body?: string } = {}) =>
    socketFetch(`${origin}/${script}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      signal: init.signal ?? new AbortController().signal,
      ...(init.body === undefined ? {} : { body: init.body }),
    });

  it('sends the request head and body as written', async () => {
    const res = await go('echo', { body: '{"q":"ünï"}' });
    const echoed = await res.text();
    expect(echoed).toMatch(/^POST \/echo HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    expect(echoed).toContain('content-length: 13\r\n');
    expect(echoed).toContain('connection: close\r\n');
    expect(echoed.endsWith('\r\n\r\n{"q":"ünï"}')).toBe(true);
  });

  for (const script of ['ok-chunked', 'ok-chunked?bytewise', 'ok-chunked-odd', 'ok-chunked-odd?bytewise']) {
    it(`relays a chunked stream (${script})`, async () => {
      const res = await go(script);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const body = await res.text();
      expect(body).toBe(
        'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\ndata: {"choices":[{"delta":{"content":"lo"}}]}\n\ndata: [DONE]\n\n',
      );
    });
  }

  it('reads declared-length, close-delimited, empty and after-100-Continue bodies', async () => {
    expect(await (await go('ok-length')).text()).toBe('{"ok":true}');
    expect(await (await go('ok-close')).text()).toBe('until the end');
    const empty = await go('ok-no-content');
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    expect(await (await go('ok-continue')).text()).toBe('hi');
  });

  it('hands on the body without the connection’s framing fields; a declared length stays', async () => {
    const both = await go('te-and-length');
    expect(both.headers.get('content-length')).toBeNull();
    expect(both.headers.get('transfer-encoding')).toBeNull();
    expect(await both.text()).toBe('hello');
    const length = await go('ok-length');
    expect(length.headers.get('content-length')).toBe('11');
    const obs = await go('obs-text');
    expect(obs.headers.get('x-obs')).toBe('caf\u00e9\u0080');
  });

  it('205 has no body, whatever follows it', async () => {
    const res = await go('reset-content');
    expect(res.status).toBe(205);
    expect(await res.text()).toBe('');
  });

  it('passes an error status and its headers through', async () => {
    const res = await go('status-503');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.text()).toBe('{"error":"overloaded"}');
  });

  it.each([
    ['cut-chunked', /closed inside a chunked body/],
    ['cut-length', /before the declared content-length/],
    ['bad-chunk-size', /bad chunk size/],
    ['bad-chunk-data', /longer than its size/],
  ])('a body that breaks (%s) errors the stream after what came before it', async (script, message) => {
    const res = await go(script);
    expect(res.status).toBe(200);
    const reader = (res.body as OriginBody).getReader();
    let got = '';
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        got += text(value);
      }
    })().catch((err: unknown) => err);
    expect(String(failure)).toMatch(message);
    if (script.startsWith('cut-') || script === 'bad-chunk-size')
      expect(got.startsWith(script === 'cut-length' ? 'only ten b' : 'data: {"choices"')).toBe(true);
  });

  it.each([
    ['bad-status', /status line/],
    ['not-http', /status line/],
    ['bad-header', /bad header line/],
    ['folded-header', /folded/],
    ['gzip', /transfer-encoding/],
    ['conflicting-length', /content-length/],
    ['huge-head', /over/],
    ['switching-protocols', /101/],
    ['endless-continue', /interim/],
    ['bad-reason', /status line/],
    ['http10-chunked', /HTTP\/1.0/],
  ])('a head that breaks HTTP/1.1 (%s) is refused at once', async (script, message) => {
    const err = await go(script).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Http1Error);
    expect(String(err)).toMatch(message);
  });

  it('a fault after good payload errors the stream without waiting for the origin to close', async () => {
    const res = await go('bad-chunk-data-open');
    const reader = (res.body as OriginBody).getReader();
    expect(text((await reader.read()).value as Uint8Array)).toBe('too l');
    await expect(reader.read()).rejects.toThrow(/longer than its size/);
  });

  it('a connection closed before a head is an error', async () => {
    await expect(go('cut-head')).rejects.toThrow(/before a response head/);
  });

  it('aborting waits for nothing: before the head and in the middle of the body', async () => {
    const early = new AbortController();
    const pending = go('stall-head', { signal: early.signal });
    early.abort(new Error('client left'));
    await expect(pending).rejects.toThrow('client left');

    // A body that would end with the connection must not read as complete when the abort closes it.
    const late = new AbortController();
    const res = await go('stall-close', { signal: late.signal });
    const reader = (res.body as OriginBody).getReader();
    expect(text((await reader.read()).value as Uint8Array)).toBe('partial');
    const next = reader.read();
    late.abort(new Error('client left mid-body'));
    await expect(next).rejects.toThrow('client left mid-body');
  });

  it('a body fault in the bytes that came with the head is the body’s, as it would be a packet later', async () => {
    // Read as the gateway reads (a reader; `text()` on an errored stream is reported unhandled by workerd).
    const readFails = async (res: OriginResponse) => {
      const reader = (res.body as OriginBody).getReader();
      for (;;) if ((await reader.read()).done) return 'ended cleanly';
    };
    const res = await go('head-and-bad-chunk');
    expect(res.status).toBe(200);
    await expect(readFails(res)).rejects.toThrow(/bad chunk size/);
    // An error status keeps its status when its body is broken: the caller maps the status.
    const refused = await go('error-status-bad-chunk');
    expect(refused.status).toBe(400);
    await expect(readFails(refused)).rejects.toThrow(/bad chunk size/);
  });

  it.skipIf(!inject('rawOriginIpv6'))('reaches an origin at an IPv6 literal', async () => {
    const res = await socketFetch(`${inject('rawOriginIpv6')}/ok-length`, {
      method: 'GET',
      headers: {},
      signal: new AbortController().signal,
    });
    expect(await res.text()).toBe('{"ok":true}');
  });
});

describe('fetchOrigin over the socket transport', () => {
  const pool = { name: 'raw', auth: undefined } as unknown as PoolConfig;
  const call = (path: string, headersTimeoutMs = 5000, signal = new AbortController().signal) =>
    fetchOrigin({
      baseUrl: origin,
      request: { method: 'POST', path, headers: {}, body: '{}' },
      pool,
      env: {} as Env,
      requestId: 'req-1',
      signal,
      headersTimeoutMs,
      transport: 'socket',
    });

  it('maps a broken head to origin_malformed_response, a silent origin to origin_timeout, and a client that left to 499', async () => {
    const malformed = await call('/bad-status').catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(EcoError);
    expect(malformed).toMatchObject({ status: 502, code: 'origin_malformed_response' });

    const silent = await call('/stall-head', 150).catch((e: unknown) => e);
    expect(silent).toMatchObject({ status: 504, code: 'origin_timeout' });

    const client = new AbortController();
    const leaving = call('/stall-head', 5000, client.signal).catch((e: unknown) => e);
    client.abort();
    expect(await leaving).toMatchObject({ status: 499, code: 'client_closed' });
  });

  it('maps a refused connection to origin_unreachable', async () => {
    const closed = await fetchOrigin({
      baseUrl: 'http://127.0.0.1:1',
      request: { method: 'GET', path: '/', headers: {} },
      pool,
      env: {} as Env,
      requestId: 'req-2',
      signal: new AbortController().signal,
      headersTimeoutMs: 5000,
      transport: 'socket',
    }).catch((e: unknown) => e);
    expect(closed).toMatchObject({ status: 502, code: 'origin_unreachable' });
  });

  it('sends the request id and trace header', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await fetchOrigin({
      baseUrl: origin,
      request: { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{}' },
      pool,
      env: {} as Env,
      requestId: 'req-1',
      traceparent,
      signal: new AbortController().signal,
      headersTimeoutMs: 5000,
      transport: 'socket',
    });
    const echoed = await res.text();
    expect(echoed).toContain('x-request-id: req-1\r\n');
    expect(echoed).toContain(`traceparent: ${traceparent}\r\n`);
    expect(echoed).toContain('content-type: application/json\r\n');
  });
});

// Last, so that it sees every connection the tests above opened.
describe('connections', () => {
  const go = (script: string, init: { signal?: AbortSignal } = {}) =>
    socketFetch(`${origin}/${script}`, {
      method: 'GET',
      headers: {},
      signal: init.signal ?? new AbortController().signal,
    });

  it('every connection is closed once its exchange is over, however it ended', async () => {
    const openConnections = async () => (await (await go('open-count')).text()).trim();
    // The origin learns of each close asynchronously: poll until none is left open (every earlier
    // test's included, so a connection leaked anywhere in this file fails here).
    const drained = async () => {
      const deadline = Date.now() + 2000;
      let now = await openConnections();
      while (now !== '0' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        now = await openConnections();
      }
      return now;
    };
    expect(await drained()).toBe('0');
    await (await go('ok-chunked')).text();
    await (await go('status-503')).text();
    await go('bad-status').catch(() => {});
    const cancelled = await go('stall-body');
    await (cancelled.body as OriginBody).cancel();
    const aborted = new AbortController();
    const pending = go('stall-head', { signal: aborted.signal }).catch(() => {});
    aborted.abort();
    await pending;
    expect(await drained()).toBe('0');
  });
});

describe('a TLS handshake that never ends', () => {
  const pool = { name: 'raw', auth: undefined } as unknown as PoolConfig;
  it('a TLS handshake that never completes meets the headers timeout, and a client that leaves ends it', async () => {
    // The scripted origin speaks plain TCP and never answers a ClientHello. (The runtime drops a
    // connection whose handshake is unfinished only when the request ends, hence after the leak check.)
    const tls = (headersTimeoutMs: number, signal = new AbortController().signal) =>
      fetchOrigin({
        baseUrl: origin.replace('http://', 'https://'),
        request: { method: 'POST', path: '/stall-head', headers: {}, body: '{}' },
        pool,
        env: {} as Env,
        requestId: 'req-tls',
        signal,
        headersTimeoutMs,
        transport: 'socket',
      }).catch((e: unknown) => e);
    expect(await tls(200)).toMatchObject({ status: 504, code: 'origin_timeout' });
    const client = new AbortController();
    const leaving = tls(60_000, client.signal);
    client.abort();
    expect(await leaving).toMatchObject({ status: 499, code: 'client_closed' });
  });
});
