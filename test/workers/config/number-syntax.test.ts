import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import { wholeNumber } from '../../../workers/auth/jwt-config-vars.ts';
import { parseSetting } from '../../../workers/config/parse-setting.ts';
import { decimal, whole } from '../../../workers/config/setting-kinds.ts';

// Every numeric ECO_* var has one syntax, whichever reader takes it: a settings-table var and an ECO_JWT_*
// var written the same way are accepted, or refused with the same words, alike.

const BOUNDS = { min: 0, max: 1e15, unit: 'seconds' };
const setting = whole(7, { ...BOUNDS, meaning: 'test' });
const jwt = (raw: unknown) =>
  wholeNumber('ECO_JWT_TEST', raw, { fallback: 7, ...BOUNDS }, 'JWTs are refused');

/** What a reader made of `raw`: the number, or the words of what is wrong with it. */
function settingRead(raw: unknown): number | string {
  const { value, problem } = parseSetting(setting, raw);
  return problem === null ? (value as number) : problem.split(';')[0]!;
}
function jwtRead(raw: unknown): number | string {
  const read = jwt(raw);
  if (!(read instanceof EcoError)) return read;
  return read.message.replace(/^ECO_JWT_TEST /, '').split(';')[0]!;
}

const rawValues = fc.oneof(
  fc.stringMatching(/^[ \t]{0,2}[-+]?[0-9]{0,17}(\.[0-9]{0,3})?(e[0-9])?[smk]?[ \t]{0,2}$/),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(undefined, null, '', '  ', ['5'], { n: 5 }, '٣', '１２', '0x10', '3,600', 'Infinity'),
);

describe('the number syntax', () => {
  it('is the same for the settings table and ECO_JWT_* values', () => {
    fc.assert(
      fc.property(rawValues, (raw) => {
        expect(jwtRead(raw)).toEqual(settingRead(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['42', 42],
    [' 42\t', 42],
    ['007', 7],
    [42, 42],
    ['999999999999999', 999_999_999_999_999],
  ])('accepts %j as %j', (raw, value) => {
    expect([jwtRead(raw), settingRead(raw)]).toEqual([value, value]);
  });

  it.each([
    ['-1', "is '-1', not a whole number"],
    ['+1', "is '+1', not a whole number"],
    ['1e3', "is '1e3', not a whole number"],
    ['0x10', "is '0x10', not a whole number"],
    ['3,600', 'is a value, not a whole number'],
    ['10s', "is '10s', not a whole number"],
    ['1.0', "is '1.0', not a whole number"],
    ['١٢', 'is a value, not a whole number'],
    // 16 digits: no longer exact in a double, so never read.
    ['1000000000000000', 'is a value, not a whole number'],
    [1.5, 'is 1.5, not a whole number'],
    [Number.NaN, 'is NaN, not a whole number'],
    [true, 'is true, not a whole number'],
    [['5'], 'is a list, not a whole number'],
    [{ n: 5 }, 'is an object, not a whole number'],
  ])('refuses %j (%s)', (raw, says) => {
    expect(jwtRead(raw)).toContain(says);
    expect(settingRead(raw)).toContain(says);
  });

  it('reads blank and unset as the default in both', () => {
    for (const raw of [undefined, null, '', ' \t ']) expect([jwtRead(raw), settingRead(raw)]).toEqual([7, 7]);
  });

  it('takes a fraction only where the setting does', () => {
    const hours = decimal(1, { min: 0.001, max: 10, unit: 'hours', meaning: 'test' });
    expect(parseSetting(hours, ' 0.5 ')).toEqual({ value: 0.5, problem: null });
    expect(parseSetting(hours, 0.25)).toEqual({ value: 0.25, problem: null });
    for (const raw of ['.5', '5.', '1.5e0', '-0.5'])
      expect(parseSetting(hours, raw).problem).toContain('not a number of hours from 0.001 to 10');
  });

  it('names the range with grouped digits in both', () => {
    const big = { min: 60_000, max: 86_400_000, unit: 'milliseconds' };
    const says = "is '5', not a whole number of milliseconds from 60,000 to 86,400,000";
    expect(parseSetting(whole(60_000, { ...big, meaning: 'test' }), '5').problem).toContain(says);
    const err = wholeNumber('ECO_JWT_TEST', '5', { fallback: 60_000, ...big }, 'JWTs are refused');
    expect((err as EcoError).message).toBe(`ECO_JWT_TEST ${says}; JWTs are refused until it is corrected.`);
  });
});
