import type { Logger } from '../core/logger.js';
import { oneLine } from './one-line.js';

const PREFIX = '[thunderphone-webhooks]';

/**
 * The logger the CLI hands to the receiver: one line per message on the given stream (stderr, so
 * stdout carries only events). Warnings and errors always; debug and info only when verbose.
 */
export function createStreamLogger(stream: { write(chunk: string): unknown }, options: { verbose?: boolean } = {}): Logger {
  const write = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    const tail = meta && Object.keys(meta).length > 0 ? ` ${safeJson(meta)}` : '';
    stream.write(`${oneLine(`${PREFIX} ${level}: ${message}${tail}`)}\n`);
  };
  const quiet = () => {};
  return {
    debug: options.verbose ? write('debug') : quiet,
    info: options.verbose ? write('info') : quiet,
    warn: write('warn'),
    error: write('error'),
  };
}

function safeJson(meta: Record<string, unknown>): string {
  try {
    return JSON.stringify(meta, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value instanceof Error ? value.message : value,
    );
  } catch {
    return '[unserialisable meta]';
  }
}
