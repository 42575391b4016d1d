import type { ChildProcess } from 'node:child_process';

export declare const ROOT: string;
export declare const BIN: string;
export declare function childEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
export declare function run(
  cmd: string,
  args: string[],
  options?: {
    env?: Record<string, string>;
    timeoutMs?: number;
    stdoutOnly?: boolean;
    group?: boolean;
    onChild?: (child: ChildProcess) => void;
  },
): Promise<string>;
export declare function runInGroup(
  groups: Set<ChildProcess>,
  cmd: string,
  args: string[],
  options?: { env?: Record<string, string>; timeoutMs?: number; stdoutOnly?: boolean },
): Promise<string>;
export declare function start(
  cmd: string,
  args: string[],
  options?: { env?: Record<string, string>; stdio?: import('node:child_process').StdioOptions },
): ChildProcess;
export declare function stopGroup(child: ChildProcess | undefined, signal?: NodeJS.Signals): void;
export declare function groupAlive(child: ChildProcess | undefined): boolean;
export declare function firstJsonLine(child: ChildProcess, timeoutMs?: number): Promise<unknown>;
export declare function waitForHttp(url: string, timeoutMs?: number): Promise<void>;
export declare function freePort(): Promise<number>;
