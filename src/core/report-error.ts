import { describeError, type Logger } from './logger.js';

/**
 * Sends a handler's error to the user's `onError`, or logs it (with `describe` naming what failed)
 * when there is none. An `onError` that throws or rejects is logged, never allowed to break the reply.
 */
export function createErrorReporter<Info>(
  onError: ((error: unknown, info: Info) => void | Promise<void>) | undefined,
  logger: Logger,
  describe: (info: Info) => { message: string; meta?: Record<string, unknown> },
): (error: unknown, info: Info) => void {
  const hookFailed = (hookError: unknown) => logger.error('onError hook threw', { error: describeError(hookError) });
  return (error, info) => {
    if (!onError) {
      const { message, meta } = describe(info);
      logger.error(message, { ...meta, error: describeError(error) });
      return;
    }
    try {
      const result = onError(error, info);
      // An async hook's rejection would otherwise be unhandled and end the process.
      if (result && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).then(undefined, hookFailed);
    } catch (hookError) {
      hookFailed(hookError);
    }
  };
}
