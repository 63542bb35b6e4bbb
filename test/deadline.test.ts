import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineExceededError, withDeadline } from '../src/core/deadline.js';

afterEach(() => vi.restoreAllMocks());

function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // blocks the event loop, like a handler doing heavy synchronous work
  }
}

describe('withDeadline', () => {
  it('returns a synchronous value without arming a timer', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    expect(await withDeadline(1000, () => 42)).toEqual({ kind: 'value', value: 42 });
    expect(setTimeoutSpy).not.toHaveBeenCalled();
  });

  it('returns a synchronous throw as an error outcome', async () => {
    const error = new Error('sync');
    expect(await withDeadline(1000, () => { throw error; })).toEqual({ kind: 'error', error });
  });

  it('counts a synchronous value that blocked past the deadline as late, and aborts the signal it read', async () => {
    let seen: AbortSignal | undefined;
    const outcome = await withDeadline(20, (signal) => {
      seen = signal();
      busyWait(60);
      return 'slow';
    });
    expect(outcome.kind).toBe('timeout');
    if (outcome.kind === 'timeout') await expect(outcome.late).resolves.toBe('slow');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(DeadlineExceededError);
  });

  it('counts a synchronous throw past the deadline as late, with the error on the late promise', async () => {
    const error = new Error('late and failed');
    const outcome = await withDeadline(20, () => {
      busyWait(60);
      throw error;
    });
    expect(outcome.kind).toBe('timeout');
    if (outcome.kind === 'timeout') await expect(outcome.late).rejects.toBe(error);
  });

  it('races a promise against the timer and clears the timer when the promise wins', async () => {
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
    expect(await withDeadline(1000, async () => 'async')).toEqual({ kind: 'value', value: 'async' });
    expect(clearSpy).toHaveBeenCalled();
    expect(await withDeadline(1000, () => Promise.reject(new Error('no')))).toMatchObject({ kind: 'error' });
  });

  it('times out a promise that settles after the deadline', async () => {
    const outcome = await withDeadline(20, () => new Promise((resolve) => setTimeout(() => resolve('late'), 200)));
    expect(outcome.kind).toBe('timeout');
    if (outcome.kind === 'timeout') await expect(outcome.late).resolves.toBe('late');
  });

  it('treats a thenable that is not a Promise like a promise', async () => {
    const thenable = { then: (resolve: (v: string) => void) => resolve('thenable') };
    expect(await withDeadline(1000, () => thenable as unknown as Promise<string>)).toEqual({ kind: 'value', value: 'thenable' });
  });
});
