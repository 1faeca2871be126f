/**
 * Configuration from the environment, parsed once with zod. A bad value stops the boot with a message
 * naming the variable instead of failing later in some request.
 */
import { z } from 'zod';

/** An optional variable: unset, empty and blank all mean unset; a value is trimmed. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const API_KEY_PATTERN = /^is_live_[A-Za-z0-9_-]{22,}$/;

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  IRIS_PUBLIC_URL: optionalString.pipe(z.url().optional()),
  IRIS_DATA_DIR: z.string().default('./.iris'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  IRIS_BOOTSTRAP_API_KEY: optionalString.pipe(
    z
      .string()
      .regex(API_KEY_PATTERN, 'must look like is_live_ followed by at least 22 characters')
      .optional(),
  ),
  IRIS_OWNER_EMAIL: z.email().default('owner@iris.local'),
  /** 32 bytes (64 hex chars or base64) encrypting secrets at rest; generated into IRIS_DATA_DIR when unset. */
  IRIS_ENCRYPTION_KEY: optionalString,
  /** Ed25519 seeds (32 bytes, hex or base64) signing receipts and quotes, comma-separated, current first; generated into IRIS_DATA_DIR when unset. */
  IRIS_RECEIPT_KEY: optionalString,
  RATE_LIMIT_STORE: z.enum(['memory', 'postgres']).default('memory'),
  /** Largest JSON body accepted, in bytes (a 500-contact bulk import fits well within the default). */
  IRIS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Host names /mcp accepts (DNS-rebinding protection), comma-separated, `*` for any. */
  MCP_ALLOWED_HOSTS: optionalString,
  /** Development and tests only: webhooks may use http:// and loopback or private receivers. */
  WEBHOOKS_ALLOW_PRIVATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),

  // Discovery through Apify (Google Maps, Instagram and X actors); the built-in sample source without it.
  APIFY_TOKEN: optionalString,
  /** Where the Apify API lives (a local server in tests), e.g. http://127.0.0.1:12112; Apify's by default. */
  APIFY_BASE_URL: optionalString.pipe(z.url().optional()),

  // AI through Anthropic (analysis, drafting, generation); the built-in offline AI without it.
  ANTHROPIC_API_KEY: optionalString,
  /** Where the Anthropic API lives (a local server in tests), e.g. http://127.0.0.1:12113; Anthropic's by default. */
  ANTHROPIC_BASE_URL: optionalString.pipe(z.url().optional()),
  /** The Claude model to use (default claude-sonnet-5-5). */
  ANTHROPIC_MODEL: optionalString,

  // Instagram and X DMs, sent from accounts connected with channels.connect (the outbox without one).
  /** Where the Instagram Graph API lives (a local server in tests); https://graph.instagram.com by default. */
  INSTAGRAM_API_BASE_URL: optionalString.pipe(z.url().optional()),
  /** The Graph API version in Instagram request paths. */
  INSTAGRAM_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v23.0')
    .default('v23.0'),
  /** Where the X API lives (a local server in tests); https://api.x.com by default. */
  X_API_BASE_URL: optionalString.pipe(z.url().optional()),
  /** X DMs one connected account sends per UTC day (X allows an account 500 DMs a day). */
  X_DAILY_DM_CAP: z.coerce.number().int().min(1).max(1000).default(500),

  // Email over SMTP (smtp:// or smtps://user:pass@host:port); the local outbox without it.
  SMTP_URL: optionalString.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
  ),
  /** The sender of emails (`Name <address>` or an address); its domain names our Message-IDs. */
  EMAIL_FROM: z.string().default('iris <outreach@iris.local>'),
  /**
   * Email opens: with `true`, emails also carry an HTML part with a 1×1 image at /o/<message id>.gif,
   * whose first load records the open (message.opened). Off by default: mail clients that load images
   * ahead (Apple Mail's privacy protection) count as opens, and some people do not want to be tracked.
   */
  EMAIL_TRACK_OPENS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /**
   * Optional: the domain of reply addresses. Set, each email's Reply-To is `reply+<conversation id>@` it,
   * so a reply that lost its In-Reply-To header still finds its conversation.
   */
  EMAIL_REPLY_DOMAIN: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name')
      .optional(),
  ),
  /**
   * The shared secret that signs what arrives at POST /inbound/email and /inbound/:channel (an HMAC over
   * the timestamp and body; docs in llms.txt). Unset, those routes refuse everything.
   */
  INBOUND_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),

  // Background jobs: an in-process worker (local), or QStash calling POST /internal/jobs/:id (qstash).
  JOBS_DRIVER: z.enum(['local', 'qstash']).default('local'),
  /**
   * Jobs one process runs at once (local driver). 0: this process runs none (a web process; another
   * process on the same database, a plain `npm start`, runs them).
   */
  JOBS_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(4),
  /** How often the worker looks for due jobs besides the wake-ups NOTIFY brings. */
  JOBS_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1_000),
  /** How long a claimed job is its worker's: past it (a crashed worker), another worker takes it again. */
  JOBS_LEASE_MS: z.coerce.number().int().min(100).default(300_000),
  /** QStash API base (its default when unset). */
  QSTASH_URL: optionalString.pipe(z.url().optional()),
  QSTASH_TOKEN: optionalString,
  QSTASH_CURRENT_SIGNING_KEY: optionalString,
  QSTASH_NEXT_SIGNING_KEY: optionalString,
});

export type EnvSource = Readonly<Record<string, string | undefined>>;

export type Env = z.infer<typeof EnvSchema> & {
  /**
   * The variables as given. Modules outside src own theirs (each payment rail declares its own schema,
   * parsed with parseEnvParts by the composition root), so src does not name them.
   */
  readonly source: EnvSource;
};

export class EnvError extends Error {}

/**
 * Parses `source` with each module's schema, in order; one error names every variable that is wrong.
 * Cross-variable rules belong in the schema (a refinement whose issue path is the variable to fix).
 */
export function parseEnvParts(schemas: readonly z.ZodType[], source: EnvSource): unknown[] {
  const lines: string[] = [];
  const parsed = schemas.map((schema) => {
    const result = schema.safeParse(source);
    if (result.success) return result.data;
    for (const issue of result.error.issues) lines.push(`  ${issue.path.join('.')}: ${issue.message}`);
    return undefined;
  });
  if (lines.length > 0) throw new EnvError(`invalid configuration:\n${lines.join('\n')}`);
  return parsed;
}

export function parseEnv(source: EnvSource = process.env): Env {
  const [core] = parseEnvParts([EnvSchema], source) as [z.infer<typeof EnvSchema>];
  const env = { ...core, source };
  if (env.JOBS_DRIVER === 'qstash') {
    const missing = (
      ['QSTASH_TOKEN', 'QSTASH_CURRENT_SIGNING_KEY', 'QSTASH_NEXT_SIGNING_KEY', 'IRIS_PUBLIC_URL'] as const
    ).filter((name) => !env[name]);
    if (missing.length > 0) {
      throw new EnvError(
        `invalid configuration:\n  JOBS_DRIVER=qstash needs ${missing.join(', ')} (QStash calls IRIS_PUBLIC_URL back)`,
      );
    }
  }
  return env;
}

/** The base URL clients use to reach this server (OpenAPI servers, x402 resource URLs). */
export function publicUrlOf(env: Pick<Env, 'IRIS_PUBLIC_URL' | 'PORT'>): string {
  return (env.IRIS_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');
}
