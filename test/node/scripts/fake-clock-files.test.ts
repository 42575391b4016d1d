import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The workerd test files share one isolate, Durable Objects included: a file that fakes the clock there
// stops every object's timers too, and one that spies on the runtime's timers counts (or changes) the
// objects' timers as well as its own. Such files are named *.isolated.test.ts and get a workerd of their
// own. Helpers are scanned too: code that does it belongs in the isolated files themselves.
const ROOT = fileURLToPath(new URL('../../workers', import.meta.url));

/** What fakes, advances or spies on the isolate's clock and timers. */
const CLOCK_TAMPERING = new RegExp(
  [
    /useFakeTimers|setSystemTime|advanceTimers|runAllTimers|runOnlyPendingTimers/,
    /spyOn\(\s*Date\s*,/,
    /spyOn\(\s*(?:globalThis|self)\s*,\s*['"`](?:set|clear)(?:Timeout|Interval)/,
    /stubGlobal\(\s*['"`](?:Date|(?:set|clear)(?:Timeout|Interval))/,
  ]
    .map((pattern) => pattern.source)
    .join('|'),
);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('workerd test files', () => {
  it('recognise every way of faking or spying on the clock', () => {
    for (const line of [
      'vi.useFakeTimers();',
      "vi.useFakeTimers({ toFake: ['Date'] });",
      'vi.setSystemTime(0);',
      'vi.advanceTimersByTime(10);',
      'await vi.advanceTimersToNextTimerAsync();',
      'vi.runAllTimers();',
      'vi.runOnlyPendingTimers();',
      "vi.spyOn(Date, 'now').mockReturnValue(0);",
      "vi.spyOn(globalThis, 'setTimeout');",
      'vi.spyOn(globalThis, "clearTimeout");',
      "vi.spyOn(self, 'setInterval');",
      "vi.stubGlobal('Date', FakeDate);",
    ]) {
      expect(line).toMatch(CLOCK_TAMPERING);
    }
    for (const line of ["vi.spyOn(globalThis, 'fetch');", 'setTimeout(resolve, 10);', 'Date.now()']) {
      expect(line).not.toMatch(CLOCK_TAMPERING);
    }
  });

  it('fake or spy on the clock only in *.isolated.test.ts files', () => {
    const files = tsFiles(ROOT);
    expect(files.filter((f) => f.endsWith('.test.ts')).length).toBeGreaterThan(100);
    const faking = files.filter((f) => CLOCK_TAMPERING.test(readFileSync(f, 'utf8')));
    expect(faking.length).toBeGreaterThan(0);
    expect(faking.filter((f) => !f.endsWith('.isolated.test.ts')).map((f) => relative(ROOT, f))).toEqual([]);
  });
});
