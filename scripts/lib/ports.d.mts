export declare function parsePort(variable: string, raw: string | undefined, fallback: number): number;
export declare function ensurePortFree(port: number, variable: string, host?: string): Promise<void>;
