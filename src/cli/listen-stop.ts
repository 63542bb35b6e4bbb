import type { SignalSource, StopSignal } from './serve.js';

const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

export interface StopListener {
  first: Promise<StopSignal>;
  readonly received: StopSignal | undefined;
  dispose(): void;
}

// Cleanup is bounded by the API's timeouts, but that can be many seconds on a bad network: a second
// signal says what is going on, a third quits at once (the next start offers to remove the endpoint).
export function listenForStop(source: SignalSource, onRepeat: (count: number) => void): StopListener {
  let resolveFirst: (signal: StopSignal) => void = () => {};
  const first = new Promise<StopSignal>((resolve) => (resolveFirst = resolve));
  let received: StopSignal | undefined;
  let repeats = 0;
  const listener = (signal: StopSignal) => {
    if (received) return onRepeat((repeats += 1));
    received = signal;
    resolveFirst(signal);
  };
  for (const signal of STOP_SIGNALS) source.on(signal, listener);
  return {
    first,
    get received() {
      return received;
    },
    dispose: () => {
      for (const signal of STOP_SIGNALS) source.off(signal, listener);
    },
  };
}
