import { type BlockName, type BlockOccurrence, findBlocks } from '../parse/blocks.ts';
import { findManifests } from '../parse/manifests.ts';
import { stringValue } from '../parse/nodes.ts';
import { shorten } from '../parse/numbers.ts';
import { type ParsedFile, parseFile } from '../parse/parse-file.ts';
import { DEFAULT_POLICY, type Policy } from '../policy/default-policy.ts';
import { RULES } from '../rules/index.ts';
import type { Diagnostic, FileReport, LintReport, Severity, SourceFile } from '../types.ts';
import { type FileContext, type Finding, field, RUN_FIELDS, type Rule, type RunFile } from './context.ts';
import { positionOf } from './position.ts';

export interface LintRun {
  report: LintReport;
  /** The `document_metadata.unique_id` of each file that declares one, in file order. */
  documentIds: string[];
}

/** Lints a set of files as one run (duplicate ids are checked across all of them). Never throws. */
export function lintFiles(sources: readonly SourceFile[], policy: Policy = DEFAULT_POLICY): LintReport {
  return lintRun(sources, policy).report;
}

/** Like lintFiles, and also returns the document ids the run saw (for audit records). */
export function lintRun(sources: readonly SourceFile[], policy: Policy = DEFAULT_POLICY): LintRun {
  const diagnostics = new Map<RunFile, Diagnostic[]>();
  // One file at a time: only what the checks across files compare outlives a file's own checks.
  const runFiles = sources.map((source) => {
    const ctx = buildContext(source, policy);
    const found: Diagnostic[] = [];
    for (const rule of RULES) {
      if (!rule.checkFile) continue;
      const internal = (finding: Finding) => pushFinding(found, INTERNAL, policy, ctx.file, finding);
      guarded(rule, internal, () =>
        rule.checkFile!(ctx, (finding) => pushFinding(found, rule, policy, ctx.file, finding)),
      );
    }
    const runFile = toRunFile(ctx);
    diagnostics.set(runFile, found);
    return runFile;
  });
  for (const rule of RULES) {
    if (!rule.checkRun || runFiles.length === 0) continue;
    const first = runFiles[0]!;
    guarded(
      rule,
      (finding) => pushFinding(diagnostics.get(first)!, INTERNAL, policy, first.file, finding),
      () =>
        rule.checkRun!(runFiles, (runFile, finding) =>
          pushFinding(diagnostics.get(runFile)!, rule, policy, runFile.file, finding),
        ),
    );
  }
  const files: FileReport[] = runFiles.map((runFile) => ({
    path: runFile.file.path,
    diagnostics: diagnostics.get(runFile)!.sort(byPosition),
  }));
  const documentIds = runFiles.flatMap((runFile) => {
    const id = stringValue(runFile.fields.get('unique_id')?.value ?? null);
    return id === undefined ? [] : [id];
  });
  return { report: { files, summary: summarize(files) }, documentIds };
}

/** Keeps a file's text and the string values compared across files; drops its parsed documents. */
function toRunFile(ctx: FileContext): RunFile {
  const fields: RunFile['fields'] = new Map();
  for (const key of RUN_FIELDS) {
    const ref = field(ctx, 'document_metadata', key);
    if (ref && stringValue(ref.entry.value) !== undefined)
      fields.set(key, { value: ref.entry.value, path: ref.path });
  }
  const { path, source, lineCounter } = ctx.file;
  return { file: { path, source, lineCounter, documents: [], problems: [] }, fields };
}

function pushFinding(
  found: Diagnostic[],
  rule: Rule,
  policy: Policy,
  file: ParsedFile,
  finding: Finding,
): void {
  const severity = severityOf(rule, policy);
  if (severity) found.push(toDiagnostic(rule, severity, file, finding));
}

export function lintText(path: string, content: string, policy: Policy = DEFAULT_POLICY): LintReport {
  return lintFiles([{ path, content }], policy);
}

function buildContext(source: SourceFile, policy: Policy): FileContext {
  const file = parseFile(source.path, source.content, policy.limits, source.unreadBytes);
  const occurrences = findBlocks(file.documents);
  const blocks = new Map<BlockName, BlockOccurrence>();
  for (const occurrence of occurrences) {
    if (!blocks.has(occurrence.name)) blocks.set(occurrence.name, occurrence);
  }
  return { file, policy, occurrences, blocks, manifests: findManifests(file.documents) };
}

const INTERNAL = RULES[0]!;

/** Runs a rule; a rule that throws is reported through `internal` (QY000), never passed silently. */
function guarded(rule: Rule, internal: (finding: Finding) => void, run: () => void): void {
  try {
    run();
  } catch (error) {
    const message = `rule ${rule.code} failed: ${(error as Error)?.message ?? String(error)}`;
    internal({ message, path: '', offset: 0 });
  }
}

function severityOf(rule: Rule, policy: Policy): Severity | undefined {
  const setting = policy.rules[rule.code] ?? policy.rules[rule.name] ?? rule.severity;
  return setting === 'off' ? undefined : setting;
}

function toDiagnostic(rule: Rule, severity: Severity, file: ParsedFile, finding: Finding): Diagnostic {
  const { line, column } = positionOf(file, finding.offset);
  const diagnostic: Diagnostic = {
    rule: rule.code,
    severity,
    message: shorten(finding.message, MAX_MESSAGE),
    path: shorten(finding.path, MAX_PATH),
    line,
    column,
  };
  const end = spanEnd(file.source, finding);
  if (end === undefined) return diagnostic;
  const after = positionOf(file, end);
  return { ...diagnostic, endLine: after.line, endColumn: after.column };
}

/**
 * Rules quote values shortened, but a finding must never carry more than this whatever a rule wrote:
 * a report grows with the number of findings, never with the size of the values they are about.
 */
const MAX_MESSAGE = 600;
const MAX_PATH = 240;

/** The span's end without the line breaks and blanks a node's range may run over (never empty). */
function spanEnd(source: string, { offset, endOffset }: Finding): number | undefined {
  if (endOffset === undefined) return undefined;
  let end = Math.min(endOffset, source.length);
  while (end > offset + 1 && /\s/.test(source[end - 1]!)) end--;
  return end > offset ? end : undefined;
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule);
}

export function summarize(files: readonly FileReport[]): LintReport['summary'] {
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    for (const diagnostic of file.diagnostics) {
      if (diagnostic.severity === 'error') errors++;
      else if (diagnostic.severity === 'warning') warnings++;
    }
  }
  return { files: files.length, errors, warnings };
}
