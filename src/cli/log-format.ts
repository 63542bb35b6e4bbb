import { oneLine } from './one-line.js';

/**
 * How a command's log lines look on stderr (`--log json|pretty`). Any command that logs takes
 * the flag: add LOG_FLAG to its parseArgs options, pass the value to `chooseLogFormat`, then
 * write through `createStreamLogger` (serve-logger.ts) and `statusWriter`.
 */
export type LogFormat = 'json' | 'pretty';

export const LOG_FLAG = { log: { type: 'string' } } as const;

export interface LogStream {
  write(chunk: string): unknown;
  /** Set by Node on a terminal's stream. */
  isTTY?: boolean;
}

/** A --log value checked; the problem names the flag. */
export function parseLogFormat(flag: string): LogFormat | { problem: string } {
  if (flag === 'json' || flag === 'pretty') return flag;
  return { problem: `--log must be "json" or "pretty", got ${JSON.stringify(oneLine(flag).slice(0, 40))}` };
}

/** The format asked for, or the default: pretty on a terminal, JSON lines otherwise. */
export function chooseLogFormat(asked: LogFormat | undefined, stream: LogStream): LogFormat {
  return asked ?? (stream.isTTY === true ? 'pretty' : 'json');
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything but "" (no-color.org). */
export function colorEnabled(stream: LogStream, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const RESERVED = new Set(['time', 'level', 'msg']);

/** One JSON log record on one line: time, level, msg, then the meta fields (never overriding those three). */
export function jsonRecord(level: string, message: string, meta?: Record<string, unknown>): string {
  const record: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message };
  for (const [key, value] of Object.entries(meta ?? {})) if (!RESERVED.has(key)) record[key] = value;
  try {
    return JSON.stringify(record, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value instanceof Error ? value.message : value,
    );
  } catch {
    return JSON.stringify({ time: record.time, level, msg: message, meta: '[unserialisable meta]' });
  }
}

/**
 * Where a command writes its own lines (listening on..., stopped): unchanged in pretty mode; in
 * JSON mode each line becomes a record, at level "error" when it starts with `errorPrefix`.
 */
export function statusWriter(stream: LogStream, format: LogFormat, errorPrefix: string): LogStream {
  if (format === 'pretty') return stream;
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line.trim() === '') continue;
        const isError = line.startsWith(errorPrefix);
        stream.write(`${jsonRecord(isError ? 'error' : 'info', isError ? line.slice(errorPrefix.length).trimStart() : line)}\n`);
      }
      return true;
    },
  };
}
