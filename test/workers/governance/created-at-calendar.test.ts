import { describe, expect, it } from 'vitest';
import { isIsoTimestamp } from '../../../governance/rules/created-at.ts';

describe('created_at calendar dates', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
    // Years 0-99 are years of the proleptic Gregorian calendar, not 1900-1999.
    ['0096-02-29', true],
    ['0000-02-29', true],
    ['0099-02-29', false],
    ['0100-02-29', false],
    ['2024-04-31', false],
    ['2024-12-31T23:59:60Z', true],
  ])('%s is %s', (text, valid) => {
    expect(isIsoTimestamp(text)).toBe(valid);
  });
});
