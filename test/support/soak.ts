// The soak run: signed deliveries through the `serve` process at a fixed concurrency, with bad
// signatures and exact duplicates mixed in, counting every answer and every handler run.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from './serve-process.js';

export interface SoakOptions {
  deliveries: number;
  concurrency: number;
  /** Share of deliveries with a bad signature (forged copies of real events). */
  badShare: number;
  /** Share of deliveries that are exact duplicates (same bytes and signature) of a valid one. */
  duplicateShare: number;
  /** Run serve with --dedupe memory. */
  dedupe: boolean;
}

export interface SoakReport {
  deliveries: number;
  concurrency: number;
  dedupe: boolean;
  sent: { valid: number; bad: number; duplicates: number };
  statuses: Record<string, number>;
  /** Requests that got no HTTP answer (reset, timeout). */
  unanswered: number;
  serverErrors: number;
  /** Re-sent after a 409 (a duplicate that met its first attempt still running), as ThunderPhone would; each re-send is counted in statuses too. */
  retriedAfter409: number;
  /** Valid unique events by how often their handler ran. */
  handledOnce: number;
  handledTwiceOrMore: number;
  neverHandled: number;
  /** Handler runs for an event id that was never validly sent. */
  handledUnknown: number;
  badAccepted: number;
  rssMiB: { firstQuarter: number; end: number; growthPercent: number };
  seconds: number;
}

const SECRET = `whsec_soak_${randomBytes(12).toString('hex')}`;
const TYPES = ['call.complete', 'call.complete', 'call.complete', 'call.complete', 'call.complete', 'call.complete', 'call.complete', 'call.complete', 'call.graded', 'call.incoming'] as const;

function body(i: number): string {
  const type = TYPES[i % TYPES.length]!;
  const data =
    type === 'call.incoming'
      ? { call_id: 100000 + i, from_number: '+14155550199', to_number: '+15551234567' }
      : { call_id: 100000 + i, status: 'completed', transcripts: Array.from({ length: 6 }, (_, t) => ({ content: `turn ${t} of call ${i}: Olá, José 😀`, role: t % 2 ? 'assistant' : 'user' })) };
  return JSON.stringify({ data, event_id: `evt_soak_${i}`, type });
}

const hmac = (text: string) => createHmac('sha256', SECRET).update(text).digest('hex');

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

interface Job {
  kind: 'valid' | 'bad' | 'duplicate';
  index: number;
  body: string;
  signature: string;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const temp = mkdtempSync(join(tmpdir(), 'tp-soak-'));
  const record = join(temp, 'handled.txt');
  writeFileSync(record, '');
  const handlers = join(temp, 'handlers.mjs');
  writeFileSync(
    handlers,
    `import { appendFileSync } from 'node:fs';
     const record = ${JSON.stringify(record)};
     const note = (event) => appendFileSync(record, event.event_id + '\\n');
     export default {
       'call.complete': async (event) => { note(event); await new Promise((r) => setImmediate(r)); },
       'call.graded': (event) => { note(event); },
       'call.incoming': (event) => { note(event); return { prompt: 'You answer for call ' + event.data.call_id, voice: 'en-US-Ava' }; },
     };`,
  );
  const serve = await startServe(['--secret', SECRET, '--handlers', handlers, ...(options.dedupe ? ['--dedupe', 'memory'] : [])]);
  // serve prints every verified event on stdout; keep the pipe drained without keeping it all.
  serve.child.stdout!.removeAllListeners('data');
  serve.child.stdout!.resume();

  const bad = Math.round(options.deliveries * options.badShare);
  const duplicates = Math.round(options.deliveries * options.duplicateShare);
  const valid = options.deliveries - bad - duplicates;
  const queue: Job[] = [];
  for (let i = 0; i < valid; i++) {
    const text = body(i);
    queue.push({ kind: 'valid', index: i, body: text, signature: hmac(text) });
  }
  for (let b = 0; b < bad; b++) {
    // A forged copy of a real event: its bytes with a signature made without the secret.
    const text = body((b * 7) % valid);
    queue.push({ kind: 'bad', index: -1, body: text, signature: randomBytes(32).toString('hex') });
  }
  for (let i = queue.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [queue[i], queue[j]] = [queue[j]!, queue[i]!];
  }
  // Which valid events get an exact duplicate: sent again after their first answer, like a retry.
  const duplicated = new Set<number>();
  while (duplicated.size < duplicates) duplicated.add(Math.floor(Math.random() * valid));

  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const statuses: Record<string, number> = {};
  let unanswered = 0;
  let retriedAfter409 = 0;
  let badAccepted = 0;
  let done = 0;
  let rssQuarter = 0;
  const started = Date.now();

  const send = (job: Job): Promise<number | undefined> =>
    new Promise((resolve) => {
      const req = http.request(
        serve.url,
        { method: 'POST', agent, timeout: 30_000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(job.body), 'x-thunderphone-signature': job.signature } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
          res.on('error', () => resolve(undefined));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(undefined));
      req.end(job.body);
    });

  const worker = async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
      // Half the duplicates go out right beside their original (a duplicate ThunderPhone sends
      // while the first is still being handled: 409, then retried); the others after its answer.
      if (job.kind === 'valid' && duplicated.has(job.index) && job.index % 2 === 0) {
        queue.unshift({ ...job, kind: 'duplicate' });
        duplicated.delete(job.index);
      }
      const status = await send(job);
      if (status === undefined) unanswered++;
      else statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 409) {
        retriedAfter409++;
        setTimeout(() => queue.push(job!), 50);
        await new Promise((r) => setTimeout(r, 60));
        continue;
      }
      if (job.kind === 'bad' && status !== undefined && status < 300) badAccepted++;
      if (job.kind === 'valid' && duplicated.has(job.index)) {
        const at = Math.floor(Math.random() * (queue.length + 1));
        queue.splice(at, 0, { ...job, kind: 'duplicate' });
      }
      done++;
      if (done === Math.floor(options.deliveries / 4)) rssQuarter = rssKiB(serve.child.pid!);
    }
  };
  // Workers stop when the queue is empty; a 409 re-queues after 50 ms, so wait for stragglers too.
  while (done < options.deliveries) {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    if (done < options.deliveries) await new Promise((r) => setTimeout(r, 100));
    if (Date.now() - started > 30 * 60_000) break;
  }
  const rssEnd = rssKiB(serve.child.pid!);
  agent.destroy();
  await serve.kill();

  const counts = new Map<string, number>();
  for (const id of readFileSync(record, 'utf8').split('\n').filter(Boolean)) counts.set(id, (counts.get(id) ?? 0) + 1);
  let handledOnce = 0;
  let handledTwiceOrMore = 0;
  let neverHandled = 0;
  for (let i = 0; i < valid; i++) {
    const n = counts.get(`evt_soak_${i}`) ?? 0;
    if (n === 1) handledOnce++;
    else if (n === 0) neverHandled++;
    else handledTwiceOrMore++;
    counts.delete(`evt_soak_${i}`);
  }
  rmSync(temp, { recursive: true, force: true });
  return {
    deliveries: options.deliveries,
    concurrency: options.concurrency,
    dedupe: options.dedupe,
    sent: { valid, bad, duplicates },
    statuses,
    unanswered,
    serverErrors: Object.entries(statuses).reduce((n, [s, c]) => n + (Number(s) >= 500 ? c : 0), 0),
    retriedAfter409,
    handledOnce,
    handledTwiceOrMore,
    neverHandled,
    handledUnknown: [...counts.values()].reduce((a, b) => a + b, 0),
    badAccepted,
    rssMiB: { firstQuarter: round(rssQuarter / 1024), end: round(rssEnd / 1024), growthPercent: round(((rssEnd - rssQuarter) / rssQuarter) * 100) },
    seconds: round((Date.now() - started) / 1000),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
