import type { EngineProtocol } from '../schemas/config.ts';
import { EcoError } from '../schemas/errors.ts';
import type { ChatCompletionRequest } from '../schemas/openai/chat.ts';
import type { CallContext, OriginRequest } from './types.ts';

export type ReasoningEffort = NonNullable<ChatCompletionRequest['reasoning_effort']>;

/** Chat request fields an engine API may have no input for. */
export type RefusedField =
  | 'tools'
  | 'response_format'
  | 'logprobs'
  | 'logit_bias'
  | 'seed'
  | 'presence_penalty'
  | 'frequency_penalty'
  | 'forced_tool_choice';

export interface ChatFieldSupport {
  /** Fields the engine would drop or reject: a request that sets one is refused with a 400 naming it. */
  refused: readonly RefusedField[];
  /** On a native prompt API, the pool protocol of the same engine that has tool calling. */
  toolProtocol?: string;
  /** The `reasoning_effort` values the engine takes; none means it has no such input. */
  efforts: readonly ReasoningEffort[];
}

const ALL_EFFORTS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high'];
// LMDeploy and Ollama's `think` levels stop at these three.
const THREE_EFFORTS: readonly ReasoningEffort[] = ['low', 'medium', 'high'];
// trtllm-serve's request model: the harmony levels, and `none` and `max`.
const TRTLLM_EFFORTS: readonly ReasoningEffort[] = ['none', 'low', 'medium', 'high', 'max'];
const PROMPT_ONLY: readonly RefusedField[] = ['tools', 'response_format', 'logprobs', 'logit_bias'];

/**
 * What each engine API cannot take of a chat request, read from the engines' own request models. A
 * field listed here is refused before anything is sent, never dropped on the way.
 */
export const CHAT_FIELD_SUPPORT: Readonly<Record<EngineProtocol, ChatFieldSupport>> = {
  vllm: { refused: [], efforts: ALL_EFFORTS },
  // `/generate` parameters have no presence penalty, logit bias or log-probabilities of the chat kind.
  tgi: {
    refused: ['tools', 'logprobs', 'logit_bias', 'presence_penalty'],
    toolProtocol: 'tgi-messages',
    efforts: [],
  },
  // TGI's ChatRequest marks logit_bias unused and has no reasoning_effort; it reads presence_penalty as
  // repetition_penalty = presence_penalty + 2 (lib.rs `try_into_generate`), not as a presence penalty.
  'tgi-messages': { refused: ['logit_bias', 'presence_penalty'], efforts: [] },
  // `/api/chat` has no logit bias and no tool_choice; reasoning_effort becomes `think`. Log-probabilities
  // are mapped (ollama/logprobs.ts).
  ollama: { refused: ['logit_bias', 'forced_tool_choice'], efforts: THREE_EFFORTS },
  sglang: { refused: ['tools', 'logprobs'], toolProtocol: 'sglang-openai', efforts: [] },
  'sglang-openai': { refused: [], efforts: ALL_EFFORTS },
  'trtllm-serve': { refused: [], efforts: TRTLLM_EFFORTS },
  'triton-trtllm': { refused: PROMPT_ONLY, efforts: [] },
  // `client.generate()` keywords: no seed and no penalties.
  'deepspeed-mii': {
    refused: [...PROMPT_ONLY, 'seed', 'presence_penalty', 'frequency_penalty'],
    efforts: [],
  },
  // Its handler hands `generate()` only the budget, top_p/top_k, temperature and stop: no seed, no penalties.
  'deepspeed-mii-openai': {
    refused: [...PROMPT_ONLY, 'seed', 'presence_penalty', 'frequency_penalty'],
    efforts: [],
  },
  // `GenerateReqInput` has no seed and no penalties.
  lmdeploy: {
    refused: [...PROMPT_ONLY, 'seed', 'presence_penalty', 'frequency_penalty'],
    efforts: [],
  },
  // Its chat handler samples with temperature, top_p, top_k, min_p and repetition_penalty only: the
  // OpenAI penalties are listed as unsupported and never reach the engine.
  'lmdeploy-openai': { refused: ['presence_penalty', 'frequency_penalty'], efforts: THREE_EFFORTS },
};

interface Refusal {
  /** The field's param when the request asks for it, else undefined. */
  asked(req: ChatCompletionRequest): string | undefined;
  message(engine: string, req: ChatCompletionRequest, support: ChatFieldSupport): string;
}

const nonZero = (n: number | null | undefined) => typeof n === 'number' && n !== 0;

/** One entry per field, checked in this order (the first refused field found is the one named). */
const REFUSALS: Readonly<Record<RefusedField, Refusal>> = {
  tools: {
    asked: (req) => (req.tools && req.tools.length > 0 ? 'tools' : undefined),
    message: (engine, _req, support) =>
      support.toolProtocol
        ? `${engine}: the native /generate API has no tool calling; use a pool with the ${support.toolProtocol} protocol`
        : `${engine} does not support tools`,
  },
  response_format: {
    asked: (req) =>
      req.response_format && req.response_format.type !== 'text' ? 'response_format' : undefined,
    message: (engine, req) => `${engine} does not support response_format '${req.response_format?.type}'`,
  },
  logprobs: {
    asked: (req) => {
      if (req.logprobs === true) return 'logprobs';
      return typeof req.top_logprobs === 'number' && req.top_logprobs > 0 ? 'top_logprobs' : undefined;
    },
    message: (engine) => `${engine} does not return log-probabilities`,
  },
  logit_bias: {
    asked: (req) => (req.logit_bias && Object.keys(req.logit_bias).length > 0 ? 'logit_bias' : undefined),
    message: (engine) => `${engine} does not support logit_bias`,
  },
  seed: {
    asked: (req) => (typeof req.seed === 'number' ? 'seed' : undefined),
    message: (engine) => `${engine} takes no seed, so its sampling cannot be made repeatable`,
  },
  presence_penalty: {
    asked: (req) => (nonZero(req.presence_penalty) ? 'presence_penalty' : undefined),
    message: (engine) => `${engine} does not support presence_penalty`,
  },
  frequency_penalty: {
    asked: (req) => (nonZero(req.frequency_penalty) ? 'frequency_penalty' : undefined),
    message: (engine) => `${engine} does not support frequency_penalty`,
  },
  forced_tool_choice: {
    asked: (req) =>
      req.tool_choice === 'required' || (typeof req.tool_choice === 'object' && req.tool_choice !== null)
        ? 'tool_choice'
        : undefined,
    message: (engine) => `${engine} cannot force a tool call; tool_choice may only be 'auto' or 'none'`,
  },
};

const ORDER = Object.keys(REFUSALS) as RefusedField[];

function quoted(values: readonly string[]): string {
  const q = values.map((v) => `'${v}'`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} or ${q.at(-1)}` : (q[0] ?? '');
}

function refuseListed(
  req: ChatCompletionRequest,
  support: ChatFieldSupport,
  engine: string,
  fields: readonly RefusedField[],
): void {
  for (const field of fields) {
    if (!support.refused.includes(field)) continue;
    const refusal = REFUSALS[field];
    const param = refusal.asked(req);
    if (param !== undefined) {
      throw new EcoError(400, 'unsupported_parameter', refusal.message(engine, req, support), { param });
    }
  }
}

const SAMPLING: readonly RefusedField[] = ['seed', 'presence_penalty', 'frequency_penalty'];

/**
 * `/v1/completions` on an engine whose completions go through the same native parameters as its chat:
 * the sampling fields it has no input for are refused there too.
 */
export function refuseUnsupportedSampling(
  req: Pick<ChatCompletionRequest, 'seed' | 'presence_penalty' | 'frequency_penalty'>,
  protocol: EngineProtocol,
  engine: string,
): void {
  refuseListed(req as ChatCompletionRequest, CHAT_FIELD_SUPPORT[protocol], engine, SAMPLING);
}

/** Throws the 400 for the first field of `req` that `protocol`'s engine cannot take. */
export function refuseUnsupportedFields(
  req: ChatCompletionRequest,
  protocol: EngineProtocol,
  engine: string,
): void {
  const support = CHAT_FIELD_SUPPORT[protocol];
  refuseListed(req, support, engine, ORDER);
  const effort = req.reasoning_effort;
  if (effort != null && !support.efforts.includes(effort)) {
    const message =
      support.efforts.length === 0
        ? `${engine} does not support reasoning_effort`
        : `${engine} takes reasoning_effort ${quoted(support.efforts)}, not '${effort}'`;
    throw new EcoError(400, 'unsupported_parameter', message, { param: 'reasoning_effort' });
  }
}

/** An adapter's chat builder behind the one check of what its engine cannot take. */
export function checkedChat(
  protocol: EngineProtocol,
  engine: string,
  build: (req: ChatCompletionRequest, ctx: CallContext) => OriginRequest,
): (req: ChatCompletionRequest, ctx: CallContext) => OriginRequest {
  return (req, ctx) => {
    refuseUnsupportedFields(req, protocol, engine);
    return build(req, ctx);
  };
}
