/**
 * The kinds of value a numeric, boolean or enumerated `ECO_*` setting holds. `unusable` is what the
 * gateway runs with while the configured value cannot be used (see read-settings.ts): the default,
 * unless a setting says otherwise because the default would lose data or loosen a protection.
 */
export interface NumberSetting {
  kind: 'whole' | 'decimal';
  default: number;
  min: number;
  max: number;
  unit: string;
  meaning: string;
  unusable?: number;
}

export interface BooleanSetting {
  kind: 'boolean';
  default: boolean;
  meaning: string;
  unusable?: boolean;
}

export interface WordSetting<W extends string = string> {
  kind: 'word';
  default: W;
  words: readonly W[];
  meaning: string;
  unusable?: W;
}

export type Setting = NumberSetting | BooleanSetting | WordSetting;

/** The value a setting is read as. */
export type SettingValue<S> = S extends BooleanSetting
  ? boolean
  : S extends WordSetting<infer W>
    ? W
    : number;

type NumberOptions = Omit<NumberSetting, 'kind' | 'default'>;

/** A whole number (digits only) from `min` to `max`. */
export const whole = (fallback: number, options: NumberOptions): NumberSetting => ({
  kind: 'whole',
  default: fallback,
  ...options,
});

/** A number with an optional fraction (`0.5`) from `min` to `max`. */
export const decimal = (fallback: number, options: NumberOptions): NumberSetting => ({
  kind: 'decimal',
  default: fallback,
  ...options,
});

/** `true` or `false`. */
export const flag = (
  fallback: boolean,
  options: Omit<BooleanSetting, 'kind' | 'default'>,
): BooleanSetting => ({
  kind: 'boolean',
  default: fallback,
  ...options,
});

/** One of `words`, exactly. */
export const word = <const W extends string>(
  fallback: NoInfer<W>,
  options: Omit<WordSetting<W>, 'kind' | 'default'>,
): WordSetting<W> => ({ kind: 'word', default: fallback, ...options });
