import { type EmulatorEnv, emulatorEnv } from './env-config.ts';
import { startEmulator } from './server.ts';

/**
 * `node origins/emulator/main.ts`: the emulated origin pool. Control API on ECO_EMULATOR_PORT (default
 * 8790); each origin on a port of its own, listed by GET /_control/origins. ECO_EMULATOR_ORIGINS
 * (`vllm:2,tgi:1`) chooses origins; ECO_EMULATOR_TPS and ECO_EMULATOR_TTFT_MS set the pacing.
 * The first line on stdout is a JSON object with the control URL and the origins. A bad setting or a
 * taken control port is one line on stderr and exit code 1.
 */
function fatal(message: string): never {
  process.stderr.write(`[emulator] ${message}\n`);
  process.exit(1);
}

let config: EmulatorEnv;
try {
  config = emulatorEnv(process.env);
} catch (err) {
  fatal((err as Error).message);
}

const emulator = await startEmulator(config).catch((err: NodeJS.ErrnoException) => {
  if (err.code === 'EADDRINUSE' && (err as { port?: number }).port === config.controlPort) {
    fatal(
      `control port ${config.controlPort} on 127.0.0.1 is already in use: stop what is listening there or set ECO_EMULATOR_PORT to a free port`,
    );
  }
  fatal(`cannot start: ${err.message}`);
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
