import { defaultOrigins, type OriginSpec, startEmulator } from './server.ts';

/**
 * `node origins/emulator/main.ts`: the emulated origin pool. Control API on ECO_EMULATOR_PORT (default
 * 8790); each origin on a port of its own, listed by GET /_control/origins. ECO_EMULATOR_ORIGINS
 * (`vllm:2,tgi:1`) chooses origins; ECO_EMULATOR_TPS and ECO_EMULATOR_TTFT_MS set the pacing.
 * The first line on stdout is a JSON object with the control URL and the origins.
 */
function originsFromEnv(value: string | undefined): OriginSpec[] {
  if (!value) return defaultOrigins();
  const specs: OriginSpec[] = [];
  for (const part of value.split(',')) {
    const [engine, count] = part.trim().split(':');
    if (!engine) continue;
    const n = Number(count ?? 1);
    for (let i = 1; i <= n; i++) specs.push({ engine, id: `${engine}-${i}` });
  }
  return specs;
}

const emulator = await startEmulator({
  controlPort: Number(process.env.ECO_EMULATOR_PORT ?? 8790),
  origins: originsFromEnv(process.env.ECO_EMULATOR_ORIGINS),
  settings: {
    ...(process.env.ECO_EMULATOR_TPS ? { tokensPerSecond: Number(process.env.ECO_EMULATOR_TPS) } : {}),
    ...(process.env.ECO_EMULATOR_TTFT_MS ? { ttftMs: Number(process.env.ECO_EMULATOR_TTFT_MS) } : {}),
  },
});
process.stdout.write(
  `${JSON.stringify({
    controlUrl: emulator.controlUrl,
    origins: emulator.origins.map(({ id, engine, url }) => ({ id, engine, url })),
  })}\n`,
);

const stop = () => {
  emulator.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
