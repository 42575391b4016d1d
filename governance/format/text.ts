import { splitLines } from '../parse/line-breaks.ts';
import type { Diagnostic, LintReport } from '../types.ts';
import { escapeInvisible, maskInvisible } from './visible.ts';

export interface TextFormatOptions {
  /** File contents by path, to show the offending line under each diagnostic. */
  sources?: ReadonlyMap<string, string>;
}

const MAX_SOURCE_LINE = 160;

/** Human report: diagnostics grouped by file, each with its source line and a caret. */
export function formatText(report: LintReport, options: TextFormatOptions = {}): string {
  const out: string[] = [];
  for (const file of report.files) {
    if (file.diagnostics.length === 0) continue;
    out.push(escapeInvisible(file.path));
    const source = options.sources?.get(file.path);
    const lines = source === undefined ? undefined : splitLines(source.replace(/^\uFEFF/, ''));
    for (const diagnostic of file.diagnostics) {
      out.push(headline(diagnostic));
      const line = lines?.[diagnostic.line - 1];
      if (line !== undefined) out.push(...excerpt(line, diagnostic));
    }
    out.push('');
  }
  out.push(summaryLine(report));
  return `${out.join('\n')}\n`;
}

function headline(d: Diagnostic): string {
  const where = `${d.line}:${d.column}`.padEnd(8);
  const field = d.path ? `  (${escapeInvisible(d.path)})` : '';
  return `  ${where} ${d.severity.padEnd(7)} ${d.rule}  ${escapeInvisible(d.message)}${field}`;
}

function excerpt(line: string, d: Diagnostic): string[] {
  const gutter = String(d.line).padStart(6);
  let text = maskInvisible(line.replace(/\t/g, ' '));
  let column = d.column;
  // Long lines are cut around the caret so the report stays readable.
  if (text.length > MAX_SOURCE_LINE) {
    const start = Math.max(0, column - MAX_SOURCE_LINE / 2);
    text = text.slice(start, start + MAX_SOURCE_LINE);
    column -= start;
  }
  return [`${gutter} | ${text}`, `${' '.repeat(6)} | ${' '.repeat(Math.max(0, column - 1))}^`];
}

function summaryLine(report: LintReport): string {
  const { files, errors, warnings } = report.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const status = errors > 0 ? 'FAIL' : 'OK';
  return `${status}: ${plural(files, 'file')} checked, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
