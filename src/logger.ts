/**
 * Logging through pino: one JSON line per event on stderr (stdout stays free for CLI output and the stdio
 * MCP transport), readable lines instead when stderr is a terminal. Credentials never reach a line: the
 * fields that carry them (Authorization, payment headers, raw keys) are censored wherever they appear,
 * at the top of the fields or one level down (`headers.authorization`).
 */
import { type Logger as PinoLogger, pino } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Whether lines of `level` are written (work that only feeds a line can be skipped otherwise). */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

/** Field names that hold credentials, in the letter cases callers use. */
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'payment-signature',
  'PAYMENT-SIGNATURE',
  'x-payment',
  'X-PAYMENT',
  'payment-authorization',
  'Payment-Authorization',
  'cookie',
  'apiKey',
  'api_key',
  'rawKey',
  'secret',
  'password',
];

const REDACT = SECRET_FIELDS.flatMap((field) => [`["${field}"]`, `*["${field}"]`]);

function wrap(log: PinoLogger): Logger {
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
    enabled: (level) => log.isLevelEnabled(level),
  };
}

/**
 * `write` takes each line instead of stderr (tests). Lines carry `time` (ISO 8601), `level` (its name) and
 * `message`, then the fields.
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const destination = write
    ? { write }
    : process.stderr.isTTY
      ? pretty({ destination: 2, sync: true, messageKey: 'message', translateTime: 'SYS:HH:MM:ss.l' })
      : pino.destination({ dest: 2, sync: true });
  return wrap(
    pino(
      {
        level,
        messageKey: 'message',
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: REDACT, censor: '[redacted]' },
      },
      destination,
    ),
  );
}

/** Turns an unknown thrown value into loggable fields. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { error: error.message, stack: error.stack };
  return { error: String(error) };
}
