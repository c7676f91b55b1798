import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Tokens never reach here: principals are logged by name and id only. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'approval-hub' },
      redact: { paths: ['token', 'auth.token', 'headers.authorization', '*.token'], censor: '[redacted]' },
    },
    destination as pino.DestinationStream | undefined,
  );
}
