import type { ParsedFile } from '../parse/parse-file.ts';

/** 1-based line and column of a character offset. */
export function positionOf(file: ParsedFile, offset: number): { line: number; column: number } {
  if (file.lineCounter.lineStarts.length === 0) return { line: 1, column: 1 };
  const { line, col } = file.lineCounter.linePos(Math.max(0, Math.min(offset, file.source.length)));
  return { line: Math.max(1, line), column: Math.max(1, col) };
}

export function lineOf(file: ParsedFile, offset: number): number {
  return positionOf(file, offset).line;
}
