/**
 * A real iris HTTP server on 127.0.0.1 with its own database, a bootstrapped admin key and a clock the
 * test can move forward (rate-limit windows, expiry, idempotency retention).
 */
import type { RailModule } from '../../payments/gateway/rail.ts';
import { bootstrap } from '../../src/bootstrap.ts';
import { composeServices } from '../../src/compose.ts';
import { type Env, parseEnv } from '../../src/env.ts';
import type { AiPort } from '../../src/integrations/ai/ai-port.ts';
import type { DiscoveryPort } from '../../src/integrations/discovery/discovery-port.ts';
import type { JobsOptions } from '../../src/jobs/create-jobs.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import type { Services } from '../../src/services.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';

export interface TestServer {
  url: string;
  services: Services;
  database: TestDatabase;
  /** Raw admin key (`*`) of the owner account. */
  adminKey: string;
  ownerId: string;
  /** Moves the server's clock forward. */
  advance(ms: number): void;
  /** Stops the server's clock where it is (timing-sensitive tests); `advance` still moves it. */
  pause(): void;
  close(): Promise<void>;
}

export async function startTestServer(
  overrides: Record<string, string> = {},
  options: {
    logger?: Logger;
    rails?: readonly RailModule[];
    /** Replaces the composed AI adapter (a failing provider, say). */
    ai?: AiPort;
    /** Replaces the composed discovery adapter (a local Apify server, a failing provider). */
    discovery?: DiscoveryPort;
    /** Job handlers and settings (default: the server's). */
    jobs?: JobsOptions;
  } = {},
): Promise<TestServer> {
  const env: Env = parseEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    IRIS_DATA_DIR: 'memory://',
    ...overrides,
  });
  const database = await createTestDatabase();
  const boot = await bootstrap(database.db, { ownerEmail: env.IRIS_OWNER_EMAIL });
  if (!boot.firstKey?.raw) throw new Error('bootstrap did not create a key');
  const services = await composeServices(env, database, options.logger ?? createLogger(env.LOG_LEVEL), {
    ...(options.rails ? { rails: options.rails } : {}),
    ...(options.jobs ? { jobs: options.jobs } : {}),
  });
  if (options.ai) services.ai = options.ai;
  if (options.discovery) services.discovery = options.discovery;
  let offsetMs = 0;
  let pausedAt: number | undefined;
  services.clock = () => new Date((pausedAt ?? Date.now()) + offsetMs);
  const server: RunningServer = await startServer(services, 0, '127.0.0.1');
  return {
    url: server.url,
    services,
    database,
    adminKey: boot.firstKey.raw,
    ownerId: boot.firstKey.userId,
    advance(ms: number) {
      offsetMs += ms;
    },
    pause() {
      pausedAt ??= Date.now();
    },
    close: () => server.close(),
  };
}
