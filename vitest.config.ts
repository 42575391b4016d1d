import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Four projects: `workers` and `workers-isolated` run inside workerd (the Worker, its Durable Objects
// and the pure modules), `node` runs Node-side code (emulator, CLI), `e2e` starts the real dev stack.
/**
 * workerd reports a pending stream read that a cancel or close rejects as an unhandled rejection, even
 * though the read's promise has a handler (seen with fetch bodies and sockets alike). The socket
 * transport's reads are all handled, so that one report is not an error of ours.
 */
function isRuntimeCancelReport(error: { message?: string; stack?: string }): boolean {
  const message = error.message ?? '';
  const runtimeCancel = message === 'Stream was cancelled.' || message === 'This socket has been closed.';
  return runtimeCancel && (error.stack ?? '').includes('workers/dispatch/socket-fetch.ts');
}

/** The Worker under test, its bindings and the test-only secrets, in workerd. */
const workerd = () =>
  cloudflareTest(async () => ({
    wrangler: { configPath: './wrangler.toml' },
    miniflare: {
      bindings: {
        TEST_MIGRATIONS: await readD1Migrations('./migrations'),
        ECO_INTERNAL_SECRET: 'test-internal-secret-0123456789',
        ECO_JWT_SECRET: 'test-idp-hs256-secret-0123456789abcdef',
        ECO_JWT_JWKS_URL: 'http://idp.test/.well-known/jwks.json',
        ECO_JWT_ISSUER: 'https://idp.test/',
        ECO_JWT_AUDIENCE: 'eco-gateway-test',
        ECO_JOB_CALLBACK_SECRET: 'test-callback-secret',
        ECO_JOB_RETRY_BASE_MS: '20',
        ECO_JOB_CALLBACK_RETRY_BASE_MS: '20',
        ECO_JOB_CALLBACK_MAX_ATTEMPTS: '4',
        // IM bot secrets named by test bots; fast retries so failure paths finish quickly.
        ECO_IM_TEST_SECRET: 'im-test-webhook-secret',
        ECO_IM_TEST_VERIFY_TOKEN: 'im-test-verify-token',
        ECO_IM_TEST_ACCESS_TOKEN: 'im-test-access-token',
        ECO_IM_RETRY_BASE_MS: '1',
        ECO_IM_RETRY_MAX_MS: '4',
      },
    },
  }));

export default defineConfig({
  test: {
    onUnhandledError: (error) => !isRuntimeCancelReport(error),
    projects: [
      {
        plugins: [workerd()],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          exclude: ['test/workers/**/*.isolated.test.ts'],
          setupFiles: ['./test/workers/setup.ts'],
          globalSetup: ['./test/raw-origin/global-setup.ts'],
          // One workerd per test worker for all its files (each file alone starts a whole Miniflare,
          // ten times the suite's running time): files must not count on fresh storage or caches.
          isolate: false,
        },
      },
      {
        // Files that fake the isolate's clock (timers, Date) run in a workerd of their own: in the shared
        // one, a timer another file's Durable Object set meanwhile would be dropped or run out of context.
        plugins: [workerd()],
        test: {
          name: 'workers-isolated',
          include: ['test/workers/**/*.isolated.test.ts'],
          setupFiles: ['./test/workers/setup.ts'],
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/node/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['./test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
