import { plan, preFaults } from '../generation.ts';
import { closed, sendJson, sendText, sleep, write } from '../http.ts';
import type { EmulatedEngine, EngineRequest } from '../types.ts';
import { openAiChat, openAiCompletion } from './openai-chat.ts';

/**
 * DeepSpeed-MII's two HTTP surfaces: the Flask RESTful gateway (`POST /mii/<deployment>`, no
 * streaming, sorted compact JSON) and the FastChat-derived OpenAI server (every error a 400 with an
 * integer code; chunks without `object`/`created`, Python spacing, no usage in streams).
 */

/** Flask-RESTful's default error body. */
function restError(status: number, message: string): string {
  return JSON.stringify({ message: status >= 500 ? 'Internal Server Error' : message });
}

function fastChatError(message: string, code: number): string {
  return JSON.stringify({ object: 'error', message, code });
}

/**
 * The gateway's JSON answer under the mid-body faults: nothing after the headers (stall-first), half the
 * body then silence (stall-mid) or a dropped connection (cut-mid), or a cut-off body (malformed).
 */
async function sendBodyWithFaults(r: EngineRequest, text: string): Promise<void> {
  const mode = r.fault?.mode;
  if (mode !== 'stall-first' && mode !== 'stall-mid' && mode !== 'cut-mid' && mode !== 'malformed') {
    await sleep(r.settings.ttftMs);
    return sendJson(r.res, 200, text);
  }
  r.res.writeHead(200, { 'content-type': 'application/json' });
  r.res.flushHeaders();
  if (mode === 'stall-first') return closed(r.res);
  await write(r.res, text.slice(0, Math.floor(text.length / 2)));
  if (mode === 'stall-mid') return closed(r.res);
  if (mode === 'cut-mid') {
    r.res.socket?.destroy();
    return;
  }
  r.res.end();
}

export const deepspeedMiiEngine: EmulatedEngine = {
  protocol: 'deepspeed-mii',
  probePaths: ['/healthz'],
  errorResponse: (status, message) => ({ status, body: restError(status, message) }),
  async handle(r: EngineRequest) {
    if (r.method === 'GET' && r.path === '/healthz') {
      if (r.fault?.mode === 'slow-health') await sleep(r.fault.delayMs ?? 5000);
      if (r.fault?.mode === 'loading') sendText(r.res, 503, 'Service Unavailable');
      else sendText(r.res, 200, 'ok');
      return true;
    }
    if (r.method !== 'POST' || !r.path.startsWith('/mii/')) return false;
    if (await preFaults(this, r)) return true;
    const body = r.body as { prompts?: unknown; max_new_tokens?: unknown; max_length?: unknown } | undefined;
    const prompts = typeof body?.prompts === 'string' ? [body.prompts] : body?.prompts;
    if (!Array.isArray(prompts) || prompts.length === 0 || !prompts.every((p) => typeof p === 'string')) {
      sendJson(r.res, 500, restError(500, 'prompts'));
      return true;
    }
    const max = typeof body?.max_new_tokens === 'number' ? body.max_new_tokens : undefined;
    const answers = prompts.map((prompt: string) => {
      const gen = plan(r, prompt, max);
      // jsonify sorts keys.
      return {
        finish_reason: gen.finishReason,
        generated_length: gen.tokens.length,
        generated_text: gen.tokens.join(''),
        prompt_length: gen.promptTokens,
      };
    });
    await sendBodyWithFaults(r, JSON.stringify(answers));
    return true;
  },
};

/** A Llama-style tokenizer's end-of-sequence token, decoded as MII's stream does (special tokens kept). */
const EOS = '</s>';

/**
 * The server fixes do_sample to true and passes temperature and top_p on to its generation parameters,
 * which take only values above 0: the model server's validation error surfaces as FastAPI's plain 500.
 */
function refusesTemperature(r: EngineRequest): boolean {
  const b = r.body as { temperature?: unknown; top_p?: unknown } | undefined;
  const zero = (v: unknown) => typeof v === 'number' && v <= 0;
  if (!zero(b?.temperature) && !zero(b?.top_p)) return false;
  sendText(r.res, 500, 'Internal Server Error');
  return true;
}

export const deepspeedMiiOpenAiEngine: EmulatedEngine = {
  protocol: 'deepspeed-mii-openai',
  probePaths: ['/health'],
  errorResponse: (status, message) => ({
    status,
    body: fastChatError(message, status === 400 ? 40001 : 50001),
  }),
  async handle(r: EngineRequest) {
    const fail = (message: string) => sendJson(r.res, 400, fastChatError(message, 40001));
    if (r.method === 'GET' && r.path === '/health') {
      // Always ok: the server does not look at the model behind it.
      if (r.fault?.mode === 'slow-health') await sleep(r.fault.delayMs ?? 5000);
      sendJson(r.res, 200, { status: 'ok' });
      return true;
    }
    if (r.method === 'GET' && r.path === '/v1/models') {
      sendJson(r.res, 200, {
        object: 'list',
        data: [{ id: 'emulated', object: 'model', owned_by: 'deepspeed-mii' }],
      });
      return true;
    }
    if (r.method !== 'POST') return false;
    if (r.path === '/v1/chat/completions') {
      const messages = (r.body as { messages?: unknown } | undefined)?.messages;
      if (
        Array.isArray(messages) &&
        messages.some((m) => typeof (m as { content?: unknown })?.content !== 'string')
      ) {
        fail('messages: content must be a string');
        return true;
      }
      if (await preFaults(this, r)) return true;
      if (refusesTemperature(r)) return true;
      await openAiChat(
        r,
        { pythonSpacing: true, omitObjectInChunks: true, streamUsage: false, stopTokenInStream: EOS },
        fail,
      );
      return true;
    }
    if (r.path === '/v1/completions') {
      if (await preFaults(this, r)) return true;
      if (refusesTemperature(r)) return true;
      await openAiCompletion(r, { pythonSpacing: true, stopTokenInStream: EOS }, fail);
      return true;
    }
    return false;
  },
};
