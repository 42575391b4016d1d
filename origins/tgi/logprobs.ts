import { finiteLogprob, tokenBytes } from '../token-scores.ts';

/**
 * TGI's log-probability items are `{token, logprob, top_logprobs: [{token, logprob}]}`; OpenAI's also
 * carry `bytes` (the token's UTF-8 bytes), on each item and each top item, which typed clients read.
 * serde_json writes a non-finite log-probability (a token the sampler ruled out) as null: OpenAI's
 * value for a token that unlikely is -9999.
 */
export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
}

export interface LogprobItem extends TopLogprob {
  top_logprobs: TopLogprob[];
}

/** TGI's `logprobs.content` as OpenAI's items; undefined when an entry is not a scored token. */
export function tgiLogprobItems(items: readonly unknown[]): LogprobItem[] | undefined {
  const out: LogprobItem[] = [];
  for (const item of items) {
    const scored = scoredToken(item);
    if (!scored) return undefined;
    const top = (item as { top_logprobs?: unknown }).top_logprobs ?? [];
    if (!Array.isArray(top)) return undefined;
    const tops: TopLogprob[] = [];
    for (const t of top) {
      const topScored = scoredToken(t);
      if (!topScored) return undefined;
      tops.push(topScored);
    }
    out.push({ ...scored, top_logprobs: tops });
  }
  return out;
}

function scoredToken(value: unknown): TopLogprob | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { token, logprob } = value as { token?: unknown; logprob?: unknown };
  if (typeof token !== 'string') return undefined;
  if (logprob !== null && typeof logprob !== 'number') return undefined;
  return { token, logprob: finiteLogprob(logprob), bytes: tokenBytes(token) };
}
