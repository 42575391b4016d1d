// Columns a terminal gives each character, so the text report's caret lands under the offending one.
// Approximates Unicode's East Asian Width and emoji presentation the way common terminals render them:
// wide and emoji characters take two columns; combining marks, joiners and selectors none.

const COMBINING = /^[\p{Mn}\p{Me}]$/u;
// Zero-width spaces and joiners, word joiners, the BOM, and variation selectors.
const ZERO_WIDTH_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x200b, 0x200f],
  [0x2060, 0x2064],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xe0100, 0xe01ef],
];
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}$/u;
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;
const ZWJ = 0x200d;
const EMOJI_SELECTOR = 0xfe0f;
const TAB_STOP = 8;

/** One character of a line as shown: its text (a tab becomes spaces), width and UTF-16 offset. */
export interface Cell {
  text: string;
  width: number;
  offset: number;
}

/** The cells of a line, tabs expanded to the next multiple of 8 columns. */
export function displayCells(line: string): Cell[] {
  const cells: Cell[] = [];
  let column = 0;
  let offset = 0;
  let previous = 0;
  let regionalPending = false;
  for (const char of line) {
    const code = char.codePointAt(0)!;
    let width: number;
    if (code === 0x09) {
      width = TAB_STOP - (column % TAB_STOP);
      cells.push({ text: ' '.repeat(width), width, offset });
    } else {
      width = charWidth(code, char, previous, regionalPending);
      cells.push({ text: char, width, offset });
    }
    // A selector turning a one-column pictograph into an emoji widens the character before it.
    if (code === EMOJI_SELECTOR && PICTOGRAPHIC.test(String.fromCodePoint(previous))) {
      const last = cells[cells.length - 2];
      if (last && last.width === 1) {
        last.width = 2;
        column++;
      }
    }
    regionalPending = isRegional(code) ? !regionalPending : false;
    column += width;
    offset += char.length;
    previous = code;
  }
  return cells;
}

function charWidth(code: number, char: string, previous: number, regionalPending: boolean): number {
  // Printable ASCII, almost every character of a manifest, without the property lookups below.
  if (code >= 0x20 && code < 0x7f) return 1;
  if (COMBINING.test(char) || ZERO_WIDTH_RANGES.some(([start, end]) => code >= start && code <= end)) {
    return 0;
  }
  // After a zero-width joiner an emoji joins the one before it; a skin tone modifies it.
  if (previous === ZWJ && PICTOGRAPHIC.test(char)) return 0;
  if (code >= 0x1f3fb && code <= 0x1f3ff && PICTOGRAPHIC.test(String.fromCodePoint(previous))) return 0;
  // Two regional indicators make one flag.
  if (isRegional(code)) return regionalPending ? 0 : 2;
  if (code < 0x1100) return 1;
  return EMOJI_PRESENTATION.test(char) || isWide(code) ? 2 : 1;
}

function isRegional(code: number): boolean {
  return code >= 0x1f1e6 && code <= 0x1f1ff;
}

// East Asian Wide and Fullwidth blocks (Unicode 15, UAX #11), coarsely.
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x18aff],
  [0x1b000, 0x1b2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function isWide(code: number): boolean {
  for (const [start, end] of WIDE) {
    if (code < start) return false;
    if (code <= end) return true;
  }
  return false;
}
