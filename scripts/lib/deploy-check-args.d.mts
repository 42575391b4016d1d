export declare function deployCheckArgs(
  argv: string[],
  environments: string[],
): { env?: string; error?: string };
