import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach } from 'vitest';
import { clearOrigins } from './helpers/origin-mock.ts';

// Every test file starts from a migrated database (applying is idempotent).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

afterEach(clearOrigins);
