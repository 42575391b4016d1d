export declare function unusableVars(vars: Record<string, unknown>): { name: string; problem: string }[];
