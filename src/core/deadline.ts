export type DeadlineOutcome<T> =
  | { kind: 'value'; value: T }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout'; late: Promise<T> };

/**
 * Runs `work` (at once, in this call) with an AbortSignal that fires after `ms`. The signal is made on first use
 * (`signal()`), since most handlers never look at it and an AbortController is not free. Resolves with the value, the error, or
 * `timeout` at the deadline (the still-running promise is handed back so its outcome can be
 * logged; a value that arrives past the deadline counts as a timeout too). The timer is always cleared, so nothing keeps the process alive afterwards.
 */
export async function withDeadline<T>(ms: number, work: (signal: () => AbortSignal) => T | Promise<T>): Promise<DeadlineOutcome<T>> {
  let controller: AbortController | undefined;
  let abortReason: DeadlineExceededError | undefined;
  const signal = () => {
    if (!controller) {
      controller = new AbortController();
      if (abortReason) controller.abort(abortReason);
    }
    return controller.signal;
  };
  const started = Date.now();
  // Run at once: a handler that answers synchronously (most do) needs no timer and no race.
  let result: T | Promise<T>;
  try {
    result = work(signal);
  } catch (error) {
    if (Date.now() - started <= ms) return { kind: 'error', error };
    return late(Promise.reject(error));
  }
  if (!isThenable(result)) {
    // A handler that blocked the event loop past the deadline is late all the same.
    if (Date.now() - started <= ms) return { kind: 'value', value: result };
    return late(Promise.resolve(result));
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  const running = Promise.resolve(result);
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  try {
    const first = await Promise.race([
      running.then(
        (value): DeadlineOutcome<T> => ({ kind: 'value', value }),
        (error: unknown): DeadlineOutcome<T> => ({ kind: 'error', error }),
      ),
      expired,
    ]);
    // A handler that blocked the event loop can settle after the deadline without the timer
    // having had a chance to fire; it is late all the same.
    if (first !== 'timeout' && Date.now() - started <= ms) return first;
    return late(running);
  } finally {
    clearTimeout(timer);
  }

  function late(running: Promise<T>): DeadlineOutcome<T> {
    abortReason = new DeadlineExceededError(ms);
    controller?.abort(abortReason);
    return { kind: 'timeout', late: running };
  }
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export class DeadlineExceededError extends Error {
  constructor(ms: number) {
    super(`the deadline of ${ms} ms passed`);
    this.name = 'DeadlineExceededError';
  }
}
