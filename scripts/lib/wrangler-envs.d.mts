export declare function wranglerEnvs(toml?: string): string[];
