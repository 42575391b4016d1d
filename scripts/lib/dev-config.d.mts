export interface DevConfig {
  gatewayPort: number;
  emulatorPort: number;
  apiKey: string;
  persistDir: string;
  extraVars: string[];
  logLevel: string;
}
export declare function devConfig(env: Record<string, string | undefined>, root: string): DevConfig;
