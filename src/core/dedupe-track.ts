import type { AnyHandler } from './receiver-types.js';

export interface TrackedHandler {
  handler: AnyHandler;
  invoked: boolean;
  /** Set as soon as the handler's own result settles: true when it resolved. */
  done: boolean | undefined;
  settled: Promise<boolean> | undefined;
}

/**
 * Wraps `handler` to watch its own result, whatever the deadline decides about the reply: a
 * handler that succeeds after its timeout has still done its work. The watcher is attached before
 * the dispatcher's, so when the reply is ready `done` already says whether the handler finished.
 */
export function trackHandler(handler: AnyHandler): TrackedHandler {
  const tracked: TrackedHandler = {
    invoked: false,
    done: undefined,
    settled: undefined,
    handler: (event, context) => {
      tracked.invoked = true;
      let result: unknown;
      try {
        result = handler(event, context);
      } catch (error) {
        tracked.done = false;
        tracked.settled = Promise.resolve(false);
        throw error;
      }
      tracked.settled = Promise.resolve(result).then(
        () => (tracked.done = true),
        () => (tracked.done = false),
      );
      return result;
    },
  };
  return tracked;
}
