export declare function parsePort(variable: string, raw: string | undefined, fallback: number): number;
export declare function ensurePortFree(port: number, variable: string, host?: string): Promise<void>;
export declare function originOnPort<T extends { url: string }>(origins: T[], port: number): T | undefined;
