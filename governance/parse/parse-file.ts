import { type Alias, type Document, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type { LintLimits } from '../policy/default-policy.ts';
import { normalizeLineBreaks } from './line-breaks.ts';
import { prescan } from './prescan.ts';
import { nonPrintableScanner } from './printable.ts';
import { walkDocument } from './walk.ts';

export interface ParsedDocument {
  doc: Document.Parsed;
  index: number;
  /** True when the document parsed without errors and within limits: only these are linted. */
  ok: boolean;
  aliasTargets: Map<Alias, Node>;
}

export interface ParseProblem {
  kind: 'syntax' | 'hostile';
  message: string;
  offset: number;
  /** Offset just after the offending text, when the parser names a span. */
  endOffset?: number;
}

export interface ParsedFile {
  path: string;
  /** The file's text with lone CR line breaks read as LF (same length, same offsets). */
  source: string;
  lineCounter: LineCounter;
  documents: ParsedDocument[];
  problems: ParseProblem[];
}

const RESOURCE_ERRORS = new Set(['RESOURCE_EXHAUSTION']);

/** Parses every document of a file, keeping positions; a broken document never hides the others. */
export function parseFile(path: string, text: string, limits: LintLimits, unreadBytes?: number): ParsedFile {
  const source = normalizeLineBreaks(text);
  const lineCounter = new LineCounter();
  const file: ParsedFile = { path, source, lineCounter, documents: [], problems: [] };
  const early =
    unreadBytes === undefined
      ? prescan(source, limits)
      : {
          message: `file is ${unreadBytes} bytes, over the limit of ${limits.maxFileBytes} characters`,
          offset: 0,
        };
  if (early) {
    // The parser, which records line starts, does not run: record them here, so the finding has its line.
    lineCounter.addNewLine(0);
    for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) {
      lineCounter.addNewLine(at + 1);
    }
    file.problems.push({ kind: 'hostile', ...early });
    return file;
  }
  let docs: Document.Parsed[];
  try {
    // The parser's own duplicate-key check compares each key with every earlier one (quadratic on wide
    // mappings); walkDocument does the same check with a set, in linear time.
    const parsed = parseAllDocuments(source, {
      lineCounter,
      prettyErrors: false,
      keepSourceTokens: false,
      uniqueKeys: false,
    });
    docs = Array.isArray(parsed) ? parsed : [];
  } catch (error) {
    // The parser reports problems as values; a throw here means the input defeated it.
    file.problems.push({ kind: 'hostile', message: `parser failed: ${(error as Error).message}`, offset: 0 });
    return file;
  }
  if (docs.length > limits.maxDocuments) {
    const message = `file holds ${docs.length} documents, over the limit of ${limits.maxDocuments}`;
    file.problems.push({ kind: 'hostile', message, offset: 0 });
    return file;
  }
  const firstNonPrintable = nonPrintableScanner(source);
  if (docs.length === 0) {
    const bad = firstNonPrintable(0, source.length);
    if (bad) file.problems.push({ kind: 'syntax', ...bad });
  }
  let regionStart = 0;
  docs.forEach((doc, index) => {
    // Each document owns the text up to its end (the last one, the rest of the file), so a character
    // between documents is still reported, with the document it precedes or follows.
    const regionEnd = index === docs.length - 1 ? source.length : doc.range[2];
    const bad = doc.errors.length === 0 ? firstNonPrintable(regionStart, regionEnd) : undefined;
    regionStart = Math.max(regionStart, regionEnd);
    if (bad) {
      file.problems.push({ kind: 'syntax', ...bad });
      file.documents.push({ doc, index, ok: false, aliasTargets: new Map() });
      return;
    }
    file.documents.push(checkDocument(doc, index, file, limits));
  });
  return file;
}

function checkDocument(
  doc: Document.Parsed,
  index: number,
  file: ParsedFile,
  limits: LintLimits,
): ParsedDocument {
  if (doc.errors.length > 0) {
    // Later errors in the same document are almost always echoes of the first one. Nesting deep enough
    // to exhaust the parser's stack is refused before parsing, so when the parser still runs out of stack
    // it is recovering from a syntax error (each `a: b: c` line nests the next): that error is the finding.
    const syntaxError = doc.errors.find((e) => !RESOURCE_ERRORS.has(e.code));
    const error = syntaxError ?? doc.errors[0]!;
    const kind = syntaxError ? 'syntax' : 'hostile';
    const [offset, endOffset] = error.pos;
    file.problems.push({
      kind,
      message: firstLine(error.message),
      offset,
      ...(endOffset > offset ? { endOffset } : {}),
    });
    return { doc, index, ok: false, aliasTargets: new Map() };
  }
  const walked = walkDocument(doc.contents as Node | null, limits);
  if (walked.problem) {
    file.problems.push(walked.problem);
    return { doc, index, ok: false, aliasTargets: walked.aliasTargets };
  }
  return { doc, index, ok: true, aliasTargets: walked.aliasTargets };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/:$/, '');
}
