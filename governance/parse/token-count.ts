import { Lexer } from 'yaml';

// The parser holds a document's whole syntax tree, and then its nodes, in memory: about a kilobyte per
// token, so a 1 MB flow list (`[a,a,a,…]`) needs half a gigabyte, far past a Worker's 128 MB. Tokens
// and documents are therefore counted before parsing. A cheap scan gives an upper bound; only a file
// over it is counted exactly, by the parser's own lexer, which streams and holds nothing.

export interface StructureLimits {
  maxTokens: number;
  maxDocuments: number;
}

export interface StructureProblem {
  message: string;
  offset: number;
}

/**
 * Characters at or just after which a token may start inside a run of non-blank characters: the
 * one-character indicators, quotes (`""""` is two scalars), a tag's `!` (`!<>!<>` is two tags, and any
 * token may follow a tag at once) and a block scalar header's `|` or `>` (its text, even empty, is a
 * token). An anchor, an alias or a plain scalar ends only at a blank or at one of these.
 */
const INDICATORS = new Set(
  ['-', '?', ':', ',', '[', ']', '{', '}', '"', "'", '!', '|', '>'].map((c) => c.charCodeAt(0)),
);

/** Refuses a file whose tokens or documents are over the limits, before the parser sees it. */
export function checkStructure(source: string, limits: StructureLimits): StructureProblem | undefined {
  const bound = upperBound(source);
  // Documents: at most one more than the markers; a count that may be one too high is settled after parsing.
  if (bound.tokens <= limits.maxTokens && bound.documents <= limits.maxDocuments + 1) return undefined;
  const exact = lexedCounts(source, limits.maxTokens);
  if (exact.tokens > limits.maxTokens) {
    return {
      message: `file holds more than ${limits.maxTokens} YAML tokens (the limit)`,
      offset: exact.overAt,
    };
  }
  if (exact.documents > limits.maxDocuments + 1) {
    return { message: `file holds more than ${limits.maxDocuments} documents`, offset: 0 };
  }
  return undefined;
}

/**
 * Every token starts a run of non-blank characters or starts at or just after one of INDICATORS (a
 * tag's follower counts for the tag's `!`), so runs plus twice those characters bound the tokens;
 * every document but the first starts at a `---` or `...`.
 */
export function upperBound(source: string): { tokens: number; documents: number } {
  let tokens = 0;
  let documents = 1;
  let inRun = false;
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) {
      inRun = false;
      continue;
    }
    if (!inRun) {
      inRun = true;
      tokens++;
      if ((i === 0 || source.charCodeAt(i - 1) === 0x0a) && isDocumentMarker(source, i)) documents++;
    }
    if (INDICATORS.has(code)) tokens += 2;
  }
  return { tokens, documents };
}

function isDocumentMarker(source: string, i: number): boolean {
  const marker = source.slice(i, i + 3);
  if (marker !== '---' && marker !== '...') return false;
  const next = source.charCodeAt(i + 3);
  return Number.isNaN(next) || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d;
}

/** The file's YAML tokens as the parser's lexer finds them, counting no further than `cap`. */
export function countTokens(source: string, cap: number): number {
  return Math.min(cap, lexedCounts(source, cap).tokens);
}

/** Lexemes that are no token: blanks, line breaks, comments and the lexer's own markers. */
const NOT_TOKENS = new Set([' ', '\t', '\n', '\r', '#', '\x02', '\x18', '\ufeff']);
const SCALAR = '\x1f';
/** The lexer's markers stand for no character of the source. */
const MARKERS = new Set(['\x02', '\x18', SCALAR]);

/**
 * Tokens (a plain or block scalar is one, announced by a marker before its text) and an upper bound
 * on documents (at most one more than the real count), counting stops just past the token limit.
 */
function lexedCounts(
  source: string,
  maxTokens: number,
): { tokens: number; documents: number; overAt: number } {
  let tokens = 0;
  let documents = 0;
  let offset = 0;
  let scalarText = false;
  for (const lexeme of new Lexer().lex(source)) {
    const at = offset;
    if (!MARKERS.has(lexeme)) offset += lexeme.length;
    if (scalarText) {
      scalarText = false;
      continue;
    }
    if (lexeme === '\x02' || lexeme === '---') documents++;
    if (lexeme === SCALAR) scalarText = true;
    else if (lexeme.length === 0 || NOT_TOKENS.has(lexeme[0]!)) continue;
    tokens++;
    if (tokens > maxTokens) return { tokens, documents, overAt: at };
  }
  return { tokens, documents, overAt: 0 };
}
