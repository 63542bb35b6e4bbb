import type { Logger } from '../core/logger.js';
import { jsonRecord, type LogFormat } from './log-format.js';
import { oneLine } from './one-line.js';

const PREFIX = '[thunderphone-webhooks]';
// ANSI colours for the level word in pretty mode on a terminal.
const COLOURS: Record<string, string> = { debug: '90', info: '36', warn: '33', error: '31' };

export interface StreamLoggerOptions {
  verbose?: boolean;
  /** Default 'pretty'. */
  format?: LogFormat;
  /** Colour the level in pretty mode. Default false. */
  color?: boolean;
}

/**
 * The logger the CLI hands to the receiver: one line per message on the given stream (stderr, so
 * stdout carries only events). Warnings and errors always; debug and info only when verbose.
 */
export function createStreamLogger(stream: { write(chunk: string): unknown }, options: StreamLoggerOptions = {}): Logger {
  const write = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    if (options.format === 'json') {
      stream.write(`${jsonRecord(level, message, meta)}\n`);
      return;
    }
    const tail = meta && Object.keys(meta).length > 0 ? ` ${safeJson(meta)}` : '';
    const shown = options.color ? `\u001b[${COLOURS[level]}m${level}\u001b[39m` : level;
    // The colour codes are added after oneLine, which would blank the escape character.
    stream.write(`${oneLine(`${PREFIX} ${level}: ${message}${tail}`).replace(`${PREFIX} ${level}:`, `${PREFIX} ${shown}:`)}\n`);
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
