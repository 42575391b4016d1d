import { vi } from 'vitest';

export type OriginHandler = (request: Request) => Response | Promise<Response>;

const realFetch = globalThis.fetch;
const handlers = new Map<string, OriginHandler>();
let installedSpy: unknown;

/**
 * Route outbound fetches to `http://<host>/…` to an in-test handler. Nothing can listen on a port
 * inside workerd, so origins are functions here; the e2e suite uses the real emulator.
 */
export function mockOrigin(host: string, handler: OriginHandler): void {
  handlers.set(host, handler);
  // Test files share this module, while spies end with the file that made them: install again whenever
  // fetch is not this file's spy.
  if (globalThis.fetch === installedSpy) return;
  installedSpy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    const handler = handlers.get(new URL(request.url).host);
    if (!handler) return realFetch(input as RequestInfo, init as RequestInit);
    return handler(request);
  });
}

/** Forget every origin; the setup file calls this after each test. */
export function clearOrigins(): void {
  handlers.clear();
}

export type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };

/** A vLLM non-stream chat answer. */
export function chatAnswer(
  content = 'ok',
  usage: Usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  model = 'm',
): Response {
  return Response.json({
    id: 'x',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage,
  });
}

/** An SSE response that writes the given events with no delay. */
export function sseResponse(events: string[], status = 200): Response {
  const body = events.map((e) => `data: ${e}\n\n`).join('');
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream' } });
}

/** A stream that the test drives by hand: push text, then close or error it. */
export function controlledStream() {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    stream,
    push: (text: string) => controller.enqueue(encoder.encode(text)),
    close: () => controller.close(),
    error: (err: unknown) => controller.error(err),
  };
}
