export declare function staleStateAdvice(output: string, persistDir: string): string | undefined;
