export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

const PREFIX = '[thunderphone-webhooks]';

function write(level: string, message: string, meta?: Record<string, unknown>): void {
  const tail = meta && Object.keys(meta).length > 0 ? ` ${safeJson(meta)}` : '';
  console.error(`${PREFIX} ${level}: ${message}${tail}`);
}

function safeJson(meta: Record<string, unknown>): string {
  try {
    return JSON.stringify(meta, (_k, v) =>
      typeof v === 'bigint' ? v.toString() : v instanceof Error ? v.message : v,
    );
  } catch {
    return '[unserialisable meta]';
  }
}

/** Warnings and errors go to stderr; debug and info stay quiet unless asked for. */
export function createConsoleLogger(options: { verbose?: boolean } = {}): Logger {
  const quiet = () => {};
  return {
    debug: options.verbose ? (m, meta) => write('debug', m, meta) : quiet,
    info: options.verbose ? (m, meta) => write('info', m, meta) : quiet,
    warn: (m, meta) => write('warn', m, meta),
    error: (m, meta) => write('error', m, meta),
  };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** An error as one log field: its stack where there is one. For logs only, never for responses. */
export function describeError(error: unknown): string {
  try {
    if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
    return String(error);
  } catch {
    return '[a thrown value that cannot be printed]';
  }
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * pino takes `(fields, message)`, and reads a `(message, fields)` call as a format string with a
 * spare argument, dropping the fields. console, winston and most others take `(message, fields)`.
 * A pino instance carries pino's own symbols (pino.symbols), which is how it is recognised.
 */
function takesObjectFirst(logger: object): boolean {
  try {
    return Symbol.for('pino.serializers') in logger;
  } catch {
    return false;
  }
}

/**
 * The user's logger made safe to call anywhere, including in detached promises after a reply:
 * a missing method is a no-op and one that throws is ignored, so logging never crashes a process.
 */
export function guardLogger(logger: Partial<Logger> | undefined): Logger {
  const base = logger ?? createConsoleLogger();
  const objectFirst = takesObjectFirst(base);
  const guarded = {} as Logger;
  for (const level of LEVELS) {
    guarded[level] = (message, meta) => {
      try {
        const method = base[level] as ((...args: unknown[]) => void) | undefined;
        if (objectFirst) {
          if (meta === undefined) method?.call(base, message);
          else method?.call(base, meta, message);
        } else {
          method?.call(base, message, meta);
        }
      } catch {
        // A logger that fails has nowhere to report it; the reply matters more.
      }
    };
  }
  return guarded;
}
