export type DeadlineOutcome<T> =
  | { kind: 'value'; value: T }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout'; late: Promise<T> };

/**
 * Runs `work` with an AbortSignal that fires after `ms`. The signal is made on first use
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
  let timer: ReturnType<typeof setTimeout> | undefined;
  const running = Promise.resolve().then(() => work(signal));
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
    abortReason = new DeadlineExceededError(ms);
    controller?.abort(abortReason);
    return { kind: 'timeout', late: running };
  } finally {
    clearTimeout(timer);
  }
}

export class DeadlineExceededError extends Error {
  constructor(ms: number) {
    super(`the deadline of ${ms} ms passed`);
    this.name = 'DeadlineExceededError';
  }
}
