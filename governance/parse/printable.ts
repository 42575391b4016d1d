// YAML 1.2 (§5.1) streams hold only printable characters: tab, LF, CR, x20-x7E, NEL (x85), xA0-xD7FF,
// xE000-xFFFD and the supplementary planes. Everything else (C0/C1 controls, DEL, U+FFFE/U+FFFF, lone
// surrogates, which a JSON request can carry) is refused by kubectl's parser, while the yaml package
// accepts it silently: it is looked for here, in one linear scan.
const NON_PRINTABLE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export type FirstNonPrintable = (
  start: number,
  end: number,
) => { offset: number; message: string } | undefined;

/**
 * A finder of the first non-printable character in [start, end); ranges must be asked in order, so
 * the whole file is scanned once however many documents it holds.
 */
export function nonPrintableScanner(source: string): FirstNonPrintable {
  const pattern = new RegExp(NON_PRINTABLE.source, 'g');
  // The next hit at or after the last range asked; null before the first search.
  let next: number | undefined | null = null;
  return (start, end) => {
    if (next === null || (next !== undefined && next < start)) {
      pattern.lastIndex = start;
      next = pattern.exec(source)?.index;
    }
    if (next === undefined || next >= end) return undefined;
    const code = source.charCodeAt(next).toString(16).toUpperCase().padStart(4, '0');
    return { offset: next, message: `non-printable character U+${code} is not allowed in YAML` };
  };
}
