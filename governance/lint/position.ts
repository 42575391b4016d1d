import type { ParsedFile } from '../parse/parse-file.ts';

const BOM = 0xfeff;

/** 1-based line and column of a character offset. */
export function positionOf(file: ParsedFile, offset: number): { line: number; column: number } {
  if (file.lineCounter.lineStarts.length === 0) return { line: 1, column: 1 };
  const { line, col } = file.lineCounter.linePos(Math.max(0, Math.min(offset, file.source.length)));
  // A byte order mark is not a character the author sees: columns of the first line start after it.
  const shift = line === 1 && col > 1 && file.source.charCodeAt(0) === BOM ? 1 : 0;
  return { line: Math.max(1, line), column: Math.max(1, col - shift) };
}

export function lineOf(file: ParsedFile, offset: number): number {
  return positionOf(file, offset).line;
}
