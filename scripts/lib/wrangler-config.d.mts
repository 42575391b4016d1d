export declare function tomlKeys(toml: string): Map<string, Set<string>>;
export declare function d1Ids(toml: string): Map<string, string[]>;
export declare function envCompletenessProblems(toml?: string): string[];
export declare function placeholderIds(env: string, toml?: string): string[];
