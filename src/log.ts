// The root pino logger. Modules take a child (`logger.child({ module: 'xds' })`). Credentials are
// redacted by path wherever they could appear (architecture invariant 8).
import { type Logger, pino } from 'pino';

/** Paths pino censors in every log line. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'consulToken',
  '*.consulToken',
];

/** Creates the root logger; tests pass `level: 'silent'`. */
export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'gatehouse' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination,
  );
}

export type { Logger };
