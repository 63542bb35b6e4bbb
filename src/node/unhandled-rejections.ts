import { describeError, guardLogger, type Logger } from '../core/logger.js';

/**
 * Keeps the process running when some code (typically a handler's fire-and-forget promise) leaves
 * a rejection unhandled: Node's default is to crash, which would cut off every delivery in flight.
 * Each one is logged as an error instead. Opt-in, because it changes process-wide behaviour that
 * belongs to the application; `serve` turns it on. Returns a function that removes the listener.
 */
export function containUnhandledRejections(options: { logger?: Partial<Logger> } = {}): () => void {
  const logger = guardLogger(options.logger);
  const listener = (reason: unknown) => {
    logger.error('a promise rejection was left unhandled (kept running instead of crashing)', { reason: oneLine(describeError(reason)) });
  };
  process.on('unhandledRejection', listener);
  return () => {
    process.off('unhandledRejection', listener);
  };
}

function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' | ');
  return line.length > 600 ? `${line.slice(0, 599)}…` : line;
}
