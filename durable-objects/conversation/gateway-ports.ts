import { EcoError } from '../../schemas/errors.ts';
import { mintInternalToken } from '../../workers/auth/internal-token.ts';
import { servesCapability } from '../../workers/data/model-capability.ts';
import type { Env } from '../../workers/env.ts';
import { apiBase, secretValue } from '../../workers/im/bots.ts';
import { platformFetch } from '../../workers/im/send/platform-fetch.ts';
import { readAnswer } from '../../workers/im/send/read-answer.ts';
import type { OutboundRequest } from '../../workers/im/send/types.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { ConversationConfig } from './config.ts';
import { ContextCache } from './context-cache.ts';
import type { CallResult, CompletionCall, ConversationPorts, SendResponse } from './ports.ts';

/**
 * The production ports: the model is called through the gateway's own pipeline (SELF, acting as the
 * bot's API key at priority `high`), so IM traffic gets the same auth, limits, admission and dispatch
 * as any API client; replies go straight to the platform's send API.
 */
export function gatewayPorts(env: Env, config: ConversationConfig): ConversationPorts {
  async function callSelf(
    bot: BotConfig,
    chatKey: string,
    path: string,
    init: RequestInit,
    timeoutMs: number,
  ) {
    const token = await mintInternalToken(env, bot.keyId, `im:${chatKey}`);
    return env.SELF.fetch(`https://gateway${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-eco-priority': 'high',
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  /**
   * Model ids and aliases the bot's key may use for chat, each with its context size when the registry
   * gives one. A model without chat (embeddings only, say) is left out: a chat switched to it with
   * `/model` could never be answered.
   */
  async function models(
    bot: BotConfig,
    chatKey: string,
  ): Promise<CallResult<{ models: Map<string, number | undefined> }>> {
    return guarded(async () => {
      const res = await callSelf(bot, chatKey, '/v1/models', { method: 'GET' }, config.sendTimeoutMs);
      if (!res.ok) return failure(res);
      const json = (await res.json()) as {
        data?: { id?: unknown; aliases?: unknown; context_length?: unknown; capabilities?: unknown }[];
      };
      const found = new Map<string, number | undefined>();
      for (const m of Array.isArray(json.data) ? json.data : []) {
        // As the gateway routes chat (a listing without capabilities is taken to chat).
        const capabilities = m?.capabilities;
        if (Array.isArray(capabilities) && !servesCapability(capabilities, 'chat')) continue;
        const context =
          Number.isSafeInteger(m?.context_length) && (m.context_length as number) > 0
            ? (m.context_length as number)
            : undefined;
        const names = [m?.id, ...(Array.isArray(m?.aliases) ? m.aliases : [])];
        for (const name of names) if (typeof name === 'string') found.set(name, context);
      }
      return { ok: true as const, models: found };
    });
  }

  /** Context sizes learnt per key and model, so that a chat asks the registry once per TTL. */
  const contexts = new ContextCache();

  return {
    async complete(call: CompletionCall) {
      const body = {
        model: call.model,
        messages: call.messages,
        stream: false,
        user: `im:${call.chatKey}`.slice(0, 256),
        ...(call.bot.settings.maxTokens ? { max_tokens: call.bot.settings.maxTokens } : {}),
      };
      return guarded(async () => {
        const res = await callSelf(
          call.bot,
          call.chatKey,
          '/v1/chat/completions',
          { method: 'POST', body: JSON.stringify(body) },
          config.modelTimeoutMs,
        );
        if (!res.ok) return failure(res);
        const json = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
        const content = json.choices?.[0]?.message?.content;
        return { ok: true as const, content: typeof content === 'string' ? content : '' };
      });
    },

    async listModels(bot: BotConfig, chatKey: string) {
      const listed = await models(bot, chatKey);
      return listed.ok ? { ok: true as const, models: [...listed.models.keys()] } : listed;
    },

    modelContext(bot: BotConfig, chatKey: string, model: string) {
      return contexts.get(`${bot.keyId}\n${model}`, async () => {
        const listed = await models(bot, chatKey);
        // Not learnt now (the gateway is busy or down): the configured budget stands meanwhile.
        return listed.ok ? { ok: true, contextLength: listed.models.get(model) } : { ok: false };
      });
    },

    async send(request: OutboundRequest): Promise<SendResponse> {
      const timeoutMs = request.timeoutMs ?? config.sendTimeoutMs;
      const started = Date.now();
      let res: Response;
      try {
        res = await platformFetch(request, timeoutMs);
      } catch {
        return { status: 0, body: 'network error or timeout', headers: new Headers() };
      }
      // The status is the platform's verdict; a body that breaks off must not turn a sent part into a resend.
      const body = await readAnswer(res.body, timeoutMs - (Date.now() - started));
      return { status: res.status, body, headers: res.headers };
    },

    secret: (name) => secretValue(env, name),
    apiBase: (bot) => apiBase(env, bot),
  };
}

async function guarded<T>(run: () => Promise<CallResult<T>>): Promise<CallResult<T>> {
  try {
    return await run();
  } catch (err) {
    // Refused before any call went out (ECO_INTERNAL_SECRET unset): configuration, not the network.
    if (err instanceof EcoError) return { ok: false, retryable: false, status: err.status, code: err.code };
    const code = err instanceof Error && err.name === 'TimeoutError' ? 'timeout' : 'network_error';
    return { ok: false, retryable: true, status: 0, code };
  }
}

async function failure(
  res: Response,
): Promise<{ ok: false; retryable: boolean; status: number; code: string; retryAfterMs?: number }> {
  let code = `http_${res.status}`;
  try {
    const json = (await res.json()) as { error?: { code?: unknown } };
    if (typeof json.error?.code === 'string') code = json.error.code;
  } catch {
    // not the gateway's error shape
  }
  const ms = Number(res.headers.get('retry-after-ms'));
  const seconds = Number(res.headers.get('retry-after'));
  const retryAfterMs =
    Number.isFinite(ms) && ms > 0 ? ms : Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  const retryable = res.status === 429 || res.status === 408 || res.status >= 500;
  return { ok: false, retryable, status: res.status, code, ...(retryAfterMs ? { retryAfterMs } : {}) };
}
