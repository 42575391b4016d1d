import { splitLines } from '../parse/line-breaks.ts';
import type { Diagnostic, LintReport } from '../types.ts';
import { type Cell, displayCells } from './display-width.ts';
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
    // Many findings can share one (long) line: it is measured once.
    const shown = new Map<number, ShownLine>();
    for (const diagnostic of file.diagnostics) {
      out.push(headline(diagnostic));
      const line = lines?.[diagnostic.line - 1];
      if (line === undefined) continue;
      const measured = shown.get(diagnostic.line) ?? measure(line);
      shown.set(diagnostic.line, measured);
      out.push(...excerpt(measured, diagnostic));
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

interface ShownLine {
  cells: Cell[];
  /** Columns before each cell (and, last, the line's full width). */
  columns: number[];
}

function measure(line: string): ShownLine {
  const cells = displayCells(line).map((cell) => ({ ...cell, text: maskInvisible(cell.text) }));
  const columns = [0];
  for (const cell of cells) columns.push(columns[columns.length - 1]! + cell.width);
  return { cells, columns };
}

function excerpt({ cells, columns }: ShownLine, d: Diagnostic): string[] {
  const gutter = String(d.line).padStart(6);
  // Columns count UTF-16 units; the caret goes under the character there, as a terminal shows the line.
  const target = firstCellAt(cells, d.column - 1);
  // The carets run under the whole span as written, up to the end of its first line.
  const spanEnd =
    d.endLine === undefined || d.endColumn === undefined
      ? target + 1
      : d.endLine > d.line
        ? lastVisible(cells)
        : firstCellAt(cells, d.endColumn - 1);
  let start = 0;
  let end = cells.length;
  // Long lines are cut around the caret, by columns and between characters, so the report stays readable.
  if (columns[end]! > MAX_SOURCE_LINE) {
    start = target;
    while (start > 0 && columns[target]! - columns[start - 1]! <= MAX_SOURCE_LINE / 2) start--;
    end = start;
    while (end < cells.length && columns[end + 1]! - columns[start]! <= MAX_SOURCE_LINE) end++;
  }
  const text = cells
    .slice(start, end)
    .map((cell) => cell.text)
    .join('');
  const pad = ' '.repeat(columns[target]! - columns[start]!);
  // At least one caret, even under a zero-width character or past the end of the line.
  const width = Math.max(1, columns[Math.min(spanEnd, end)]! - columns[Math.min(target, end)]!);
  return [`${gutter} | ${text}`, `${' '.repeat(6)} | ${pad}${'^'.repeat(width)}`];
}

/** Index just after the line's last character other than a blank. */
function lastVisible(cells: readonly Cell[]): number {
  let end = cells.length;
  while (end > 0 && cells[end - 1]!.text.trim() === '') end--;
  return end;
}

/** Index of the first cell at or after a UTF-16 offset (binary search; cells are in offset order). */
function firstCellAt(cells: readonly Cell[], offset: number): number {
  let low = 0;
  let high = cells.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (cells[mid]!.offset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

function summaryLine(report: LintReport): string {
  const { files, errors, warnings } = report.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const status = errors > 0 ? 'FAIL' : 'OK';
  return `${status}: ${plural(files, 'file')} checked, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
