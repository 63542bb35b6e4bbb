import { describeError, type Logger } from './logger.js';

/**
 * Sends a handler's error to the user's `onError`, or logs it (with `describe` naming what failed)
 * when there is none. An `onError` that throws is logged, never allowed to break the reply.
 */
export function createErrorReporter<Info>(
  onError: ((error: unknown, info: Info) => void) | undefined,
  logger: Logger,
  describe: (info: Info) => { message: string; meta?: Record<string, unknown> },
): (error: unknown, info: Info) => void {
  return (error, info) => {
    try {
      if (onError) return onError(error, info);
      const { message, meta } = describe(info);
      logger.error(message, { ...meta, error: describeError(error) });
    } catch (hookError) {
      logger.error('onError hook threw', { error: describeError(hookError) });
    }
  };
}
