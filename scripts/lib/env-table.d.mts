export interface CodeEnvName {
  files: Set<string>;
  defaults: Set<string>;
}
export declare const CODE_DIRS: string[];
export declare function codeEnvNames(root: string, dirs?: string[]): Map<string, CodeEnvName>;
export declare function readmeEnvRows(readme: string): Map<string, string>;
export declare function envTableProblems(code: Map<string, CodeEnvName>, rows: Map<string, string>): string[];
