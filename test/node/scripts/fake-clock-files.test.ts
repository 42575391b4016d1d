import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The workerd test files share one isolate, Durable Objects included: a file that fakes the clock there
// stops every object's timers too. Such files are named *.isolated.test.ts and get a workerd of their own.
const ROOT = fileURLToPath(new URL('../../workers', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('workerd test files', () => {
  it('fake the clock only in *.isolated.test.ts files', () => {
    const files = testFiles(ROOT);
    expect(files.length).toBeGreaterThan(100);
    const faking = files.filter((f) => /useFakeTimers|setSystemTime/.test(readFileSync(f, 'utf8')));
    expect(faking.length).toBeGreaterThan(0);
    expect(faking.filter((f) => !f.endsWith('.isolated.test.ts')).map((f) => relative(ROOT, f))).toEqual([]);
  });
});
