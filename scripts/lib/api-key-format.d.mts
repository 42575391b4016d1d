export declare const KEY_PREFIX: string;
export declare const MIN_KEY_LENGTH: number;
export declare const MAX_KEY_LENGTH: number;
export declare function apiKeyProblem(key: string): string | undefined;
