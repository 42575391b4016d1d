import { ALL_END_MARKERS } from '../templates/chat-template.ts';

/**
 * Triton's TRT-LLM models return raw detokenized text: the prompt itself when the model is configured
 * with `exclude_input_in_output: false` (the default), and the end-of-turn token as the last piece.
 */

/** Remove a trailing end-of-turn marker; says whether one was there (the model chose to stop). */
export function stripEndMarker(text: string): { text: string; ended: boolean } {
  for (const marker of ALL_END_MARKERS) {
    if (text.endsWith(marker)) return { text: text.slice(0, -marker.length), ended: true };
  }
  return { text, ended: false };
}

/** The output without the echoed prompt, when it starts with it exactly. */
export function stripEcho(text: string, prompt: string): string {
  return prompt.length > 0 && text.startsWith(prompt) ? text.slice(prompt.length) : text;
}

/**
 * Echo stripping across stream events: text is held while it is still a prefix of the prompt, then
 * released without the prompt. Output that diverges from the prompt is released as it is, so a normal
 * answer waits at most for its first event.
 */
export class EchoStripper {
  readonly #prompt: string;
  #pending = '';
  #done: boolean;

  constructor(prompt: string | undefined) {
    this.#prompt = prompt ?? '';
    this.#done = this.#prompt.length === 0;
  }

  push(text: string): string {
    if (this.#done) return text;
    this.#pending += text;
    const p = this.#pending;
    if (p.length < this.#prompt.length && this.#prompt.startsWith(p)) return '';
    this.#done = true;
    this.#pending = '';
    return p.startsWith(this.#prompt) ? p.slice(this.#prompt.length) : p;
  }

  /** At the end of the stream: held text that never covered the whole prompt is output after all. */
  flush(): string {
    const p = this.#pending;
    this.#pending = '';
    this.#done = true;
    return p;
  }
}
