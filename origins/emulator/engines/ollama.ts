import { type Generation, plan, preFaults, streamTokens } from '../generation.ts';
import { sendJson, sendText, sleep, write } from '../http.ts';
import { countTokens, embed } from '../tokens.ts';
import type { EmulatedEngine, EngineRequest, OriginState } from '../types.ts';
import { promptOf } from './openai-chat.ts';

/**
 * Ollama's native API: NDJSON streams ending with a `"done": true` object, `{"error":"…"}` bodies,
 * `GET /` liveness, `/api/ps` and `/api/tags`. Models are present from a fixed list; any other model
 * answers 404 "try pulling it first" until `/api/pull` has streamed its progress (~0.5 s) and added it.
 * A model whose name contains `does-not-exist` fails its pull after the 200, as a missing manifest does.
 */
const PRESENT = ['llama3.1:8b', 'llama3.2:latest', 'nomic-embed-text:latest'];
// The context window a model gets when the request sets no `options.num_ctx` (envconfig's default).
const DEFAULT_NUM_CTX = 4096;
const PULL_STEPS = 5;
const PULL_STEP_MS = 80;

const seeded = new WeakSet<OriginState>();

function models(origin: OriginState): Set<string> {
  if (!seeded.has(origin)) {
    seeded.add(origin);
    for (const name of PRESENT) origin.models.add(name);
  }
  return origin.models;
}

/** `llama3.2` and `llama3.2:latest` are the same model. */
const canonical = (name: string) => (name.includes(':') ? name : `${name}:latest`);

const errorBody = (message: string) => JSON.stringify({ error: message });

const now = () => new Date().toISOString();

interface GenerationBody {
  model?: unknown;
  messages?: { role?: string; content?: unknown }[];
  prompt?: unknown;
  stream?: boolean;
  logprobs?: boolean;
  top_logprobs?: number;
  truncate?: boolean;
  options?: { num_predict?: number; seed?: number; num_ctx?: number };
}

/** 0.12.11+'s per-token log-probabilities: a made-up but well-formed list, one entry per token. */
function logprobsOf(gen: Generation, top: number) {
  return gen.tokens.map((token, i) => {
    const entry = { token, logprob: -0.1 * (i + 1), bytes: [...new TextEncoder().encode(token)] };
    const alternatives = Array.from({ length: Math.min(top, 20) }, (_, k) =>
      k === 0 ? entry : { token: `alt${k}`, logprob: entry.logprob - k, bytes: [97, 108, 116] },
    );
    return top > 0 ? { ...entry, top_logprobs: alternatives } : entry;
  });
}

/** 400 for a bad body, 404 for an absent model: answered here, like Ollama's handlers do. */
function checkModel(r: EngineRequest, body: GenerationBody | undefined): string | undefined {
  if (!body || typeof body.model !== 'string' || body.model.length === 0) {
    sendJson(r.res, 400, errorBody('model is required'));
    return undefined;
  }
  if (!models(r.origin).has(canonical(body.model))) {
    sendJson(r.res, 404, errorBody(`model "${body.model}" not found, try pulling it first`));
    return undefined;
  }
  return body.model;
}

function finalFields(gen: Generation) {
  return {
    done: true,
    done_reason: gen.finishReason,
    total_duration: 120_000_000,
    load_duration: 1_500_000,
    prompt_eval_count: gen.promptTokens,
    prompt_eval_duration: 10_000_000,
    eval_count: gen.tokens.length,
    eval_duration: 100_000_000,
  };
}

async function generation(r: EngineRequest, kind: 'chat' | 'generate'): Promise<void> {
  const body = r.body as GenerationBody | undefined;
  const model = checkModel(r, body);
  if (model === undefined) return;
  if (kind === 'chat' && !Array.isArray(body!.messages))
    return sendJson(r.res, 400, errorBody('messages is required'));
  const prompt = kind === 'chat' ? promptOf(body!.messages) : String(body!.prompt ?? '');
  const gen = plan(r, prompt, body!.options?.num_predict, body!.options?.seed);
  const numCtx = body!.options?.num_ctx ?? DEFAULT_NUM_CTX;
  if (gen.promptTokens > numCtx) {
    // `truncate: false`: the runner's errorInputTooLong, answered 400 before any line (server/routes.go
    // streamResponse). Otherwise Ollama drops the oldest messages (server/prompt.go) and answers.
    if (body!.truncate === false)
      return sendJson(r.res, 400, errorBody('the input length exceeds the context length'));
    gen.promptTokens = numCtx;
  }
  const text = (t: string) =>
    kind === 'chat' ? { message: { role: 'assistant', content: t } } : { response: t };
  const context = kind === 'generate' ? { context: [1, 2, 3] } : {};
  if (body!.stream === false) {
    const answer = {
      model,
      created_at: now(),
      ...text(gen.tokens.join('')),
      ...finalFields(gen),
      ...(body!.logprobs === true ? { logprobs: logprobsOf(gen, Number(body!.top_logprobs ?? 0)) } : {}),
    };
    sendJson(r.res, 200, kind === 'generate' ? { ...answer, ...context } : answer);
    return;
  }
  // Streamed lines carry the log-probabilities of their own token, as Ollama writes them.
  const perToken = body!.logprobs === true ? logprobsOf(gen, Number(body!.top_logprobs ?? 0)) : undefined;
  await streamTokens(r, gen, {
    contentType: 'application/x-ndjson',
    token: (t, i) =>
      `${JSON.stringify({ model, created_at: now(), ...text(t), done: false, ...(perToken ? { logprobs: [perToken[i]] } : {}) })}\n`,
    tail: () => {
      const { done, done_reason, ...metrics } = finalFields(gen);
      return `${JSON.stringify({ model, created_at: now(), ...text(''), done, done_reason, ...context, ...metrics })}\n`;
    },
    malformed: () => `{"model":"${model}","message":{"role":"assistant","content":"tr\n`,
  });
}

function embedRoute(r: EngineRequest): void {
  const body = r.body as { model?: unknown; input?: unknown; dimensions?: number } | undefined;
  const model = checkModel(r, body as GenerationBody);
  if (model === undefined) return;
  const inputs = Array.isArray(body!.input) ? body!.input.map(String) : [String(body!.input ?? '')];
  sendJson(r.res, 200, {
    model,
    embeddings: inputs.map((t) => embed(t, body!.dimensions ?? 16)),
    total_duration: 14_000_000,
    load_duration: 1_000_000,
    prompt_eval_count: inputs.reduce((s, t) => s + countTokens(t), 0),
  });
}

async function pull(r: EngineRequest): Promise<void> {
  const body = r.body as { model?: unknown; name?: unknown; stream?: boolean } | undefined;
  const name = body?.model ?? body?.name;
  if (typeof name !== 'string' || name.length === 0)
    return sendJson(r.res, 400, errorBody('missing request body'));
  r.origin.pulls = (r.origin.pulls ?? 0) + 1;
  const model = canonical(name);
  const digest = `sha256:${'dde5aa3fc5ff'.padEnd(64, '0')}`;
  const total = 2_019_377_376;
  const lines: object[] = [{ status: 'pulling manifest' }];
  const fails = model.includes('does-not-exist');
  if (!fails) {
    for (let i = 0; i <= PULL_STEPS; i++) {
      const completed = Math.round((total * i) / PULL_STEPS);
      lines.push({
        status: `pulling ${digest.slice(7, 19)}`,
        digest,
        total,
        ...(i > 0 ? { completed } : {}),
      });
    }
    lines.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' });
  }
  const streamed = body?.stream !== false;
  if (streamed) r.res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const line of lines) {
    if (r.res.destroyed) return;
    if (streamed) await write(r.res, `${JSON.stringify(line)}\n`);
    await sleep(PULL_STEP_MS);
  }
  if (fails) {
    const error = 'pull model manifest: file does not exist';
    if (streamed) await write(r.res, `${errorBody(error)}\n`);
    else sendJson(r.res, 500, errorBody(error));
    if (streamed) r.res.end();
    return;
  }
  models(r.origin).add(model);
  if (streamed) r.res.end();
  else sendJson(r.res, 200, { status: 'success' });
}

function listing(origin: OriginState, loaded: boolean) {
  return {
    models: [...models(origin)].map((name) => ({
      name,
      model: name,
      size: 4_920_753_328,
      digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
      details: { format: 'gguf', family: 'llama', parameter_size: '8.0B', quantization_level: 'Q4_K_M' },
      ...(loaded
        ? { size_vram: 4_920_753_328, expires_at: new Date(Date.now() + 300_000).toISOString() }
        : { modified_at: now() }),
    })),
  };
}

export const ollamaEngine: EmulatedEngine = {
  protocol: 'ollama',
  probePaths: ['/', '/api/ps', '/api/tags', '/api/version'],
  errorResponse: (status, message) => ({ status, body: errorBody(message) }),
  async handle(r: EngineRequest) {
    if ((r.method === 'GET' || r.method === 'HEAD') && this.probePaths.includes(r.path)) {
      if (r.fault?.mode === 'slow-health') await sleep(r.fault.delayMs ?? 5000);
      if (r.fault?.mode === 'loading') sendText(r.res, 503, 'Ollama is starting');
      else if (r.path === '/') sendText(r.res, 200, 'Ollama is running');
      else if (r.path === '/api/version') sendJson(r.res, 200, { version: '0.12.6' });
      else sendJson(r.res, 200, listing(r.origin, r.path === '/api/ps'));
      return true;
    }
    if (r.method !== 'POST') return false;
    switch (r.path) {
      case '/api/chat':
      case '/api/generate':
        if (await preFaults(this, r)) return true;
        await generation(r, r.path === '/api/chat' ? 'chat' : 'generate');
        return true;
      case '/api/embed':
        if (await preFaults(this, r)) return true;
        embedRoute(r);
        return true;
      case '/api/pull':
        if (await preFaults(this, r)) return true;
        await pull(r);
        return true;
      case '/api/show': {
        const name = (r.body as { model?: unknown } | undefined)?.model;
        if (typeof name !== 'string' || !models(r.origin).has(canonical(name))) {
          sendJson(r.res, 404, errorBody(`model '${String(name)}' not found`));
        } else
          sendJson(r.res, 200, { modelfile: '', parameters: '', template: '{{ .Prompt }}', details: {} });
        return true;
      }
      default:
        return false;
    }
  },
};
