// Sends deliveries the way ThunderPhone does for the multi-instance tests: signed with node:crypto,
// and retried with backoff on anything but a 2xx (a 409 or 503 for a duplicate in flight, a 503 while
// Redis is down, a 502 from the load balancer for a dead instance, a dropped connection).
import { createHmac } from 'node:crypto';
import http from 'node:http';

export interface Outcome {
  body: string;
  /** Statuses of every attempt, the last one a 2xx unless the attempts ran out. */
  statuses: number[];
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

export function signedPost(url: string, body: string, secret: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-thunderphone-signature': createHmac('sha256', secret).update(body, 'utf8').digest('hex'),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.setTimeout(35_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0)); // no answer: retried like any failure
    req.end(body);
  });
}

export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  /** Gives up after this long, so a broken run fails instead of hanging. */
  giveUpAfterMs: number;
}

export const TEST_RETRY: RetryPolicy = { firstDelayMs: 50, maxDelayMs: 800, giveUpAfterMs: 45_000 };

export async function deliverWithRetries(url: string, body: string, secret: string, policy: RetryPolicy = TEST_RETRY): Promise<Outcome> {
  const statuses: number[] = [];
  const started = Date.now();
  let delay = policy.firstDelayMs;
  for (;;) {
    const status = await signedPost(url, body, secret);
    statuses.push(status);
    if (status >= 200 && status < 300) return { body, statuses };
    if (Date.now() - started > policy.giveUpAfterMs) return { body, statuses };
    // Full jitter, so retries of many events do not arrive in lock step.
    await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
    delay = Math.min(delay * 2, policy.maxDelayMs);
  }
}

/** Runs `jobs` with at most `concurrency` at a time. */
export async function pool<T>(jobs: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next;
      next += 1;
      results[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return results;
}

export function closeSenderSockets(): void {
  agent.destroy();
}
