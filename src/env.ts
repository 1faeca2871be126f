/**
 * Configuration from the environment, parsed once with zod. A bad value stops the boot with a message
 * naming the variable instead of failing later in some request.
 */
import { z } from 'zod';

const optionalString = z
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
  RATE_LIMIT_STORE: z.enum(['memory', 'postgres']).default('memory'),
  /** Largest JSON body accepted, in bytes (a 500-contact bulk import fits well within the default). */
  IRIS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new EnvError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
