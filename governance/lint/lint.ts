import { type BlockName, type BlockOccurrence, findBlocks } from '../parse/blocks.ts';
import { findManifests } from '../parse/manifests.ts';
import { stringValue } from '../parse/nodes.ts';
import { parseFile } from '../parse/parse-file.ts';
import { DEFAULT_POLICY, type Policy } from '../policy/default-policy.ts';
import { RULES } from '../rules/index.ts';
import type { Diagnostic, FileReport, LintReport, Severity, SourceFile } from '../types.ts';
import { type FileContext, type Finding, field, type Rule } from './context.ts';
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
  const contexts = sources.map((source) => buildContext(source, policy));
  const diagnostics = new Map<FileContext, Diagnostic[]>(contexts.map((ctx) => [ctx, []]));
  const emit = (rule: Rule, ctx: FileContext, finding: Finding) => {
    const severity = severityOf(rule, policy);
    if (severity) diagnostics.get(ctx)!.push(toDiagnostic(rule, severity, ctx, finding));
  };
  for (const ctx of contexts) {
    for (const rule of RULES) {
      if (!rule.checkFile) continue;
      guarded(rule, ctx, emit, () => rule.checkFile!(ctx, (finding) => emit(rule, ctx, finding)));
    }
  }
  for (const rule of RULES) {
    if (!rule.checkRun) continue;
    guarded(rule, contexts[0], emit, () =>
      rule.checkRun!(contexts, (ctx, finding) => emit(rule, ctx, finding)),
    );
  }
  const files: FileReport[] = contexts.map((ctx) => ({
    path: ctx.file.path,
    diagnostics: diagnostics.get(ctx)!.sort(byPosition),
  }));
  const documentIds = contexts.flatMap((ctx) => {
    const id = stringValue(field(ctx, 'document_metadata', 'unique_id')?.entry.value ?? null);
    return id === undefined ? [] : [id];
  });
  return { report: { files, summary: summarize(files) }, documentIds };
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

function guarded(
  rule: Rule,
  ctx: FileContext | undefined,
  emit: (rule: Rule, ctx: FileContext, finding: Finding) => void,
  run: () => void,
): void {
  try {
    run();
  } catch (error) {
    if (!ctx) return;
    const message = `rule ${rule.code} failed: ${(error as Error)?.message ?? String(error)}`;
    emit(INTERNAL, ctx, { message, path: '', offset: 0 });
  }
}

function severityOf(rule: Rule, policy: Policy): Severity | undefined {
  const setting = policy.rules[rule.code] ?? policy.rules[rule.name] ?? rule.severity;
  return setting === 'off' ? undefined : setting;
}

function toDiagnostic(rule: Rule, severity: Severity, ctx: FileContext, finding: Finding): Diagnostic {
  const { line, column } = positionOf(ctx.file, finding.offset);
  const diagnostic: Diagnostic = {
    rule: rule.code,
    severity,
    message: finding.message,
    path: finding.path,
    line,
    column,
  };
  const end = spanEnd(ctx.file.source, finding);
  if (end === undefined) return diagnostic;
  const after = positionOf(ctx.file, end);
  return { ...diagnostic, endLine: after.line, endColumn: after.column };
}

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
