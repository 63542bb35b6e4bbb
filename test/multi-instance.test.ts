// Three `serve` processes share one real redis-server behind a round-robin load balancer, and each
// event must be handled exactly once across them, through duplicates, a Redis outage and a killed
// instance. Handler runs are counted from the lines the handlers append to a file.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy.js';
import { closeSenderSockets, deliverWithRetries, pool, type Outcome } from './support/retrying-sender.js';
import { describeWithRedis, startRedisServer, type RedisServer } from './support/redis-server.js';
import { ROOT, startServe, type ServeProcess } from './support/serve-instance.js';

const SECRET = 'whsec_multi_instance_secret';
const PATH = '/thunderphone-webhook';
const LEASE_MS = 3000;
const HANG_EVENT = 'evt-hang-until-killed';

interface Delivery {
  key: string;
  body: string;
}

function complete(eventId: string, callId: number): Delivery {
  return {
    key: eventId,
    body: `{"data":{"call_id":${callId},"duration_seconds":54,"end_reason":"caller_hangup","from_number":"+14155550199","to_number":"+15551234567"},"event_id":"${eventId}","type":"call.complete"}`,
  };
}

// No event_id: the key is call.graded:CALL_ID:GRADER_MODEL, so the fast and the full grade of one
// call are two events, each handled once.
function graded(callId: number, model: 'fast' | 'full'): Delivery {
  return {
    key: `graded:${callId}:${model}`,
    body: `{"data":{"call_id":${callId},"grade":{"grader_model":"${model}","score":80}},"type":"call.graded"}`,
  };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** `uniques` plus `ratio` of them again: half sent at the same moment as the original, half later. */
function withDuplicates(uniques: Delivery[], ratio: number): { jobs: (() => Promise<Outcome[]>)[]; total: number } {
  const duplicated = shuffle([...uniques.keys()]).slice(0, Math.round(uniques.length * ratio));
  const together = new Set(duplicated.slice(0, duplicated.length / 2));
  const later = duplicated.slice(duplicated.length / 2).map((i) => uniques[i] as Delivery);
  const jobs: (() => Promise<Outcome[]>)[] = uniques.map((d, i) =>
    together.has(i) ? () => Promise.all([send(d), send(d)]) : () => Promise.all([send(d)]),
  );
  for (const d of later) jobs.splice(Math.floor(Math.random() * (jobs.length + 1)), 0, () => Promise.all([send(d)]));
  return { jobs, total: uniques.length + duplicated.length };
}

let proxy: RoundRobinProxy;
const send = (d: Delivery) => deliverWithRetries(proxy.url, d.body, SECRET);

describeWithRedis('several serve instances sharing one Redis', () => {
  let redis: RedisServer;
  let instances: ServeProcess[] = [];
  let dir: string;
  let runsFile: string;
  let hangMarker: string;

  /** Handler runs so far: "done" lines per key, and who ran them. */
  const runs = () => {
    const done = new Map<string, string[]>();
    const started = new Map<string, string[]>();
    const text = existsSync(runsFile) ? readFileSync(runsFile, 'utf8') : '';
    for (const line of text.split('\n')) {
      const [what, pid, key] = line.split(' ');
      if (key === undefined) continue;
      const into = what === 'done' ? done : started;
      into.set(key, [...(into.get(key) ?? []), pid as string]);
    }
    return { done, started };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tpw-multi-'));
    runsFile = join(dir, 'runs.log');
    hangMarker = join(dir, 'hang.marker');
    writeFileSync(runsFile, '');
    // Persistent, so the done keys outlive the restart in the outage test, as in production.
    redis = await startRedisServer({ persist: true });
    const args = ['--secret', SECRET, '--path', PATH, '--handlers', join(ROOT, 'test/fixtures/counting-handlers.mjs'), '--dedupe', redis.url, '--dedupe-lease-ms', String(LEASE_MS)];
    const env = { TPW_RUNS_FILE: runsFile, TPW_HANG_EVENT: HANG_EVENT, TPW_HANG_MARKER: hangMarker };
    instances = await Promise.all([0, 1, 2].map(() => startServe(args, env)));
    proxy = await startRoundRobinProxy(instances.map((s) => s.url), PATH);
  }, 30_000);

  afterAll(async () => {
    await proxy?.close();
    closeSenderSockets();
    await Promise.all(instances.map((s) => s.stop()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('3 000 deliveries, 20% of them duplicates (some in flight at the same moment): every event handled exactly once', async () => {
    const uniques = shuffle([
      ...Array.from({ length: 2160 }, (_, i) => complete(`evt-load-${i}`, 1_000_000 + i)),
      ...Array.from({ length: 120 }, (_, i) => [graded(2_000_000 + i, 'fast'), graded(2_000_000 + i, 'full')]).flat(),
    ]);
    const { jobs, total } = withDuplicates(uniques, 0.25); // 2 400 unique + 600 duplicates
    expect(total).toBe(3000);

    const outcomes = (await pool(jobs, 24)).flat();
    expect(outcomes).toHaveLength(3000);
    const unanswered = outcomes.filter((o) => !isSuccess(o.statuses.at(-1)));
    expect(unanswered).toEqual([]);

    const { done } = runs();
    const handledTwice = uniques.filter((u) => (done.get(u.key)?.length ?? 0) > 1).map((u) => u.key);
    const neverHandled = uniques.filter((u) => !done.has(u.key)).map((u) => u.key);
    expect(handledTwice).toEqual([]);
    expect(neverHandled).toEqual([]);

    // Every instance did part of the work, and duplicates really met across instances while the
    // first attempt was still running (answered 409, then retried and acknowledged).
    const byInstance = instances.map((s) => [...done.values()].filter((pids) => pids.includes(String(s.pid))).length);
    for (const count of byInstance) expect(count).toBeGreaterThan(0);
    const inFlight = outcomes.filter((o) => o.statuses.includes(409)).length;
    expect(inFlight).toBeGreaterThan(0);
    const spread = duplicateSpread(proxy, uniques);
    expect(spread.acrossInstances / spread.duplicated).toBeGreaterThan(0.5);
    console.log(
      `multi-instance: 3000 deliveries, ${uniques.length} unique, handled per instance ${byInstance.join('/')}, ` +
        `${inFlight} duplicates answered 409 while the first ran, ${spread.acrossInstances}/${spread.duplicated} duplicated event ids reached more than one instance`,
    );
  }, 120_000);

  it('Redis stopped mid-run and restarted: nothing lost, blocking events still answered, non-blocking ones retried after 503', async () => {
    const uniques = shuffle(Array.from({ length: 600 }, (_, i) => complete(`evt-outage-${i}`, 3_000_000 + i)));
    const { jobs } = withDuplicates(uniques, 0.2);
    const sending = pool(jobs, 16);

    // Stop Redis once a third of the events are handled, while the rest are being sent.
    await waitFor(() => [...runs().done.keys()].filter((k) => k.startsWith('evt-outage-')).length >= 200, 'a third of the events', 60_000);
    await redis.stop();
    const blockingWhileDown = await signedPostBody(
      proxy.url,
      '{"data":{"call_id":3999999,"from_number":"+14155550100","to_number":"+15551234567"},"type":"call.incoming"}',
    );
    await new Promise((r) => setTimeout(r, 1500));
    await redis.restart();
    const outcomes = (await sending).flat();

    expect(outcomes.filter((o) => !isSuccess(o.statuses.at(-1)))).toEqual([]);
    const answered503 = outcomes.filter((o) => o.statuses.includes(503)).length;
    expect(answered503).toBeGreaterThan(0);

    // The blocking event got its agent configuration, without dedupe, and a warning said so.
    expect(blockingWhileDown.status).toBe(200);
    expect(JSON.parse(blockingWhileDown.body)).toEqual({ prompt: 'You answer +14155550100.', voice: 'en-US-Ava' });
    const logs = instances.map((s) => s.stderr()).join('\n');
    expect(logs).toMatch(/dedupe store unavailable .*answering call\.incoming without deduplication/);

    // Nothing lost. A second run is allowed only where an instance logged that it could not mark
    // the event handled (its handler finished as Redis went away): at least once, never silently twice.
    const { done } = runs();
    expect(uniques.filter((u) => !done.has(u.key)).map((u) => u.key)).toEqual([]);
    const unmarked = new Set([...logs.matchAll(/could not mark call\.complete as handled.*"key":"([^"]+)"/g)].map((m) => m[1]));
    const twice = uniques.filter((u) => (done.get(u.key)?.length ?? 0) > 1).map((u) => u.key);
    expect(twice.filter((k) => !unmarked.has(k))).toEqual([]);
    console.log(`redis outage: ${uniques.length} unique events all handled; ${answered503} deliveries saw a 503 and were retried; ${twice.length} handled twice (${unmarked.size} could not be marked done)`);
  }, 120_000);

  it('an instance killed (SIGKILL) while holding a claim: its lease runs out and another instance handles the event, once', async () => {
    const delivery = complete(HANG_EVENT, 4_000_000);
    const sending = send(delivery);
    await waitFor(() => existsSync(hangMarker), 'the first attempt to start', 10_000);
    const holder = instances.find((s) => String(s.pid) === readFileSync(hangMarker, 'utf8').trim());
    expect(holder).toBeDefined();
    holder!.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await holder!.exited).signal).toBe('SIGKILL');

    const outcome = await sending;
    expect(isSuccess(outcome.statuses.at(-1))).toBe(true);
    // While the dead instance's lease lasted, the live ones refused to run it beside the claim.
    expect(outcome.statuses).toContain(409);
    const { done, started } = runs();
    expect(started.get(HANG_EVENT)).toHaveLength(2);
    expect(done.get(HANG_EVENT)).toHaveLength(1);
    expect(done.get(HANG_EVENT)?.[0]).not.toBe(String(holder!.pid));
    // Renewed every LEASE_MS / 3 until the kill, so at least two thirds of a lease remained.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LEASE_MS / 2);
    console.log(`killed instance: handled once by another instance ${Date.now() - killedAt} ms after the kill; attempts ${outcome.statuses.join(',')}`);
  }, 60_000);
});

function isSuccess(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}

function duplicateSpread(lb: RoundRobinProxy, uniques: Delivery[]): { duplicated: number; acrossInstances: number } {
  const eventIds = new Set(uniques.map((u) => u.key));
  const seen = new Map<string, { sends: number; upstreams: Set<number> }>();
  for (const { upstream, eventId } of lb.routed) {
    if (eventId === undefined || !eventIds.has(eventId)) continue;
    const entry = seen.get(eventId) ?? { sends: 0, upstreams: new Set<number>() };
    entry.sends += 1;
    entry.upstreams.add(upstream);
    seen.set(eventId, entry);
  }
  const multi = [...seen.values()].filter((e) => e.sends > 1);
  return { duplicated: multi.length, acrossInstances: multi.filter((e) => e.upstreams.size > 1).length };
}

async function signedPostBody(url: string, body: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-thunderphone-signature': createHmac('sha256', SECRET).update(body).digest('hex') },
    body,
  });
  return { status: res.status, body: await res.text() };
}

async function waitFor(check: () => boolean, what: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
