export declare const USAGE: string;
export interface BootstrapOptions {
  env?: string;
  local: boolean;
  'persist-to'?: string;
  name: string;
  tenant: string;
  help: boolean;
}
export declare function bootstrapArgs(
  argv: string[],
  environments: string[],
): { help?: true; error?: string; options?: BootstrapOptions };
