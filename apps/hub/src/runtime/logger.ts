import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** `json` (default): one JSON object a line. `pretty`: for a person at a terminal (pino-pretty). */
  format?: LogFormat;
  /** Values that must never be written (tokens, API keys), read at every line so a reload's new tokens count. */
  secrets?: () => Iterable<string>;
}

/** `auto` follows the terminal: people read a TTY, machines read everything else. */
export function resolveLogFormat(format: 'auto' | LogFormat, stdoutIsTty: boolean): LogFormat {
  return format === 'auto' ? (stdoutIsTty ? 'pretty' : 'json') : format;
}

const REDACTED = '[redacted]';
/** `scheme://user:password@host` → the password goes (database URLs, proxies). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'\\]+):[^\s@/"'\\]+@/gi;

/** A decision link's token in a path (`/d/<token>`, `/api/decision-links/<token>`): it is a bearer credential. */
const DECISION_LINK_TOKEN = /(\/d\/|\/decision-links\/)[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*/g;

/** Takes every known secret, every URL password and every decision link's token out of one serialised log line. */
export function scrubSecrets(line: string, secrets: Iterable<string>): string {
  let out = line.replace(URL_PASSWORD, `$1:${REDACTED}@`).replace(DECISION_LINK_TOKEN, `$1${REDACTED}`);
  for (const secret of secrets) {
    // Short values could match ordinary words; configured tokens are at least 16 characters.
    if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * Structured logs. Principals are logged by name and id only; as a second line of defence, every line is scrubbed
 * of the configured secrets and URL passwords before it is written, whatever field they hid in.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? (() => []);
  const stream =
    options.format === 'pretty'
      ? pinoPretty({ destination: destination ?? 1, colorize: destination === undefined && process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true })
      : destination;
  return pino(
    {
      level,
      base: { service: 'approval-hub' },
      redact: { paths: ['token', 'auth.token', 'headers.authorization', '*.token', 'apiKey', '*.apiKey', 'password', '*.password'], censor: REDACTED },
      hooks: { streamWrite: (line) => scrubSecrets(line, secrets()) },
    },
    stream as pino.DestinationStream | undefined,
  );
}
