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

/**
 * A comma list of exact browser origins (`*` alone: any). An entry that is not an origin is left out:
 * an unusable list only ever narrows access.
 */
export interface OriginsSetting {
  kind: 'origins';
  default: readonly string[];
  meaning: string;
  unusable?: never;
}

/** An absolute http(s) URL without query or fragment; the default while the configured one is unusable. */
export interface UrlSetting {
  kind: 'url';
  default: string;
  meaning: string;
  unusable?: never;
}

export type Setting = NumberSetting | BooleanSetting | WordSetting | OriginsSetting | UrlSetting;

/** The value a setting is read as. */
export type SettingValue<S> = S extends BooleanSetting
  ? boolean
  : S extends WordSetting<infer W>
    ? W
    : S extends OriginsSetting
      ? readonly string[]
      : S extends UrlSetting
        ? string
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

/** Exact browser origins, comma separated (none unless set). */
export const origins = (options: Omit<OriginsSetting, 'kind' | 'default'>): OriginsSetting => ({
  kind: 'origins',
  default: Object.freeze([]),
  ...options,
});

/** An absolute http(s) URL, as a base that paths are appended to (trailing slashes are dropped). */
export const url = (fallback: string, options: Omit<UrlSetting, 'kind' | 'default'>): UrlSetting => ({
  kind: 'url',
  default: fallback,
  ...options,
});
