import {
  modelField,
  replaceModelField,
  replacePlainModelField,
} from '../../origins/openai-compatible/scan.ts';
import type { FinishReason, Usage } from '../../schemas/openai/chat.ts';
import type { StreamEvent } from '../../schemas/stream-events.ts';

export interface EncoderOptions {
  /** `text_completion` chunks carry `text` instead of a `delta`. */
  object?: 'chat.completion.chunk' | 'text_completion';
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
  /** Prompt tokens estimated by the gateway, used when the engine reports no usage. */
  promptEstimate: number;
}

const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * Turns decoder events into OpenAI `chat.completion.chunk` SSE text. Engine chunks that are already
 * OpenAI-shaped pass through with only their `model` replaced; native events are encoded here. It also
 * keeps the running usage, and estimates it (and says so) when the engine gives none. The client gets
 * at most one usage chunk, just before `[DONE]`, and only when it asked for it.
 */
export class ChunkEncoder {
  readonly #o: EncoderOptions;
  #prefix: string;
  readonly #modelField: string;
  readonly #text: boolean;
  #roleSent = false;
  #usage: Usage | undefined;
  #outputEvents = 0;
  #outputChars = 0;
  #finish: FinishReason | undefined;
  /** The engine's own usage-only chunk, held for the end so that the latest figures go out once. */
  #usageChunk: string | undefined;
  /** The first engine chunk relayed; the gateway's own chunks take its id and `created`. */
  #firstRelayed: string | undefined;

  constructor(options: EncoderOptions) {
    this.#o = options;
    this.#text = this.#object() === 'text_completion';
    this.#modelField = modelField(options.model);
    this.#prefix = this.#prefixFor(options.id, options.created);
  }

  get finishReason(): FinishReason | undefined {
    return this.#finish;
  }

  /** SSE text for one event ('' when the event produces nothing on the wire). */
  encode(event: StreamEvent): string {
    switch (event.kind) {
      case 'chunk': {
        if (event.usage) {
          this.#usage = event.usage;
          this.#usageChunk = this.#o.includeUsage ? this.#relayed(event.json) : undefined;
          return '';
        }
        if (event.hasOutput) this.#outputEvents++;
        if (event.finish) this.#finish = event.finish;
        this.#roleSent = true;
        // Plain content events (plainContent) only follow output, so the first chunk comes here.
        this.#firstRelayed ??= event.json;
        return this.#relayed(event.json);
      }
      case 'delta':
        return this.#delta(event);
      case 'finish': {
        this.#finish = event.reason;
        if (this.#text) return this.#textChoice('', JSON.stringify(event.reason));
        // An answer with no output still says whose it is: SDKs that assemble a stream refuse a choice
        // that never had a role.
        const delta = this.#roleSent ? '{}' : '{"role":"assistant","content":""}';
        this.#roleSent = true;
        return this.#choice(delta, JSON.stringify(event.reason));
      }
      case 'usage':
        // Real figures from the engine's chunks: they replace any held usage chunk.
        this.#usage = event.usage;
        this.#usageChunk = undefined;
        return '';
      default:
        return '';
    }
  }

  /** A plain content event from `StreamDecoder.plainContent`: the engine's SSE text with the client's model. */
  plainContent(text: string): string {
    this.#outputEvents++;
    this.#roleSent = true;
    return replacePlainModelField(text, this.#modelField);
  }

  /** The closing text after the engine's terminal marker: the usage chunk when asked for, then [DONE]. */
  finish(): string {
    let out = '';
    if (this.#o.includeUsage) {
      out += this.#usageChunk ?? `data: ${this.#ownPrefix()}[],"usage":${JSON.stringify(this.usage())}}\n\n`;
    }
    return `${out}data: [DONE]\n\n`;
  }

  /** Real usage when the engine reported it; otherwise an estimate flagged `eco_estimated`. */
  usage(): Usage {
    if (this.#usage) return this.#usage;
    // Estimate: ~4 characters per token for decoded text, else one token per streamed output event.
    const completion = this.#outputChars > 0 ? Math.ceil(this.#outputChars / 4) : this.#outputEvents;
    const prompt = this.#o.promptEstimate;
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      eco_estimated: true,
    };
  }

  /**
   * An engine chunk as an SSE event with the client's model. JSON an engine spread over several `data:`
   * lines (line breaks are only whitespace there) keeps one `data:` prefix per line, as SSE requires.
   */
  #relayed(json: string): string {
    const text = replaceModelField(json, this.#modelField);
    const multiLine = text.includes('\n') || text.includes('\r');
    return `data: ${multiLine ? text.replace(LINE_BREAK, '\ndata: ') : text}\n\n`;
  }

  #delta(event: Extract<StreamEvent, { kind: 'delta' }>): string {
    if (this.#text) {
      if (!event.content) return '';
      this.#outputChars += event.content.length;
      this.#outputEvents++;
      return this.#textChoice(event.content, 'null');
    }
    let delta = '';
    if (!this.#roleSent) {
      delta += '"role":"assistant",';
      this.#roleSent = true;
    }
    const hasContent = event.content !== undefined && event.content.length > 0;
    if (hasContent) {
      delta += `"content":${JSON.stringify(event.content)},`;
      this.#outputChars += event.content!.length;
    }
    if (event.reasoning) {
      delta += `"reasoning_content":${JSON.stringify(event.reasoning)},`;
      this.#outputChars += event.reasoning.length;
    }
    if (event.toolCalls && event.toolCalls.length > 0)
      delta += `"tool_calls":${JSON.stringify(event.toolCalls)},`;
    // Log-probabilities go out with the text they score, as OpenAI's `choices[0].logprobs.content`.
    const logprobs = event.logprobs ? `{"content":${JSON.stringify(event.logprobs)},"refusal":null}` : 'null';
    if (delta.length === 0 && !event.logprobs) return '';
    if (delta.length > 0) this.#outputEvents++;
    if (!hasContent && !event.toolCalls && !event.reasoning) delta += '"content":"",';
    return this.#choice(`{${delta.slice(0, -1)}}`, 'null', logprobs);
  }

  #object(): string {
    return this.#o.object ?? 'chat.completion.chunk';
  }

  #prefixFor(id: string, created: number): string {
    return `{"id":${JSON.stringify(id)},"object":"${this.#object()}","created":${created},"model":${JSON.stringify(this.#o.model)},"choices":`;
  }

  /** The prefix of a chunk the gateway adds to a relayed stream: the id the client already saw. */
  #ownPrefix(): string {
    const first = this.#firstRelayed;
    if (first === undefined) return this.#prefix;
    this.#firstRelayed = undefined;
    let seen: { id?: unknown; created?: unknown };
    try {
      seen = JSON.parse(first) as typeof seen;
    } catch {
      return this.#prefix;
    }
    const id = typeof seen?.id === 'string' ? seen.id : this.#o.id;
    const created = Number.isSafeInteger(seen?.created) ? (seen.created as number) : this.#o.created;
    this.#prefix = this.#prefixFor(id, created);
    return this.#prefix;
  }

  #textChoice(text: string, finish: string): string {
    return `data: ${this.#prefix}[{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
  }

  #choice(delta: string, finish: string, logprobs = 'null'): string {
    return `data: ${this.#prefix}[{"index":0,"delta":${delta},"logprobs":${logprobs},"finish_reason":${finish}}]}\n\n`;
  }
}
