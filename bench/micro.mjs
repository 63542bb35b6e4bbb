// verify() against raw createHmac + timingSafeEqual on the same bytes, with tinybench.
// `node bench/micro.mjs` prints a table; with --json it prints the rows as JSON (for run.mjs).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Bench } from 'tinybench';
import { SECRET, callComplete } from './payloads.mjs';

// BENCH_DIST points at another build to compare, as in bench/server.mjs.
const dist = process.env.BENCH_DIST ? `file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}` : new URL('../dist/', import.meta.url).href;
const { verify } = await import(`${dist}index.js`);
const json = process.argv.includes('--json');
const time = Number(process.env.BENCH_MICRO_MS ?? 60);
const ROUNDS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [];

for (const size of [1024, 64 * 1024, 1024 * 1024]) {
  const body = callComplete(size);
  const signature = createHmac('sha256', SECRET).update(body).digest('hex');
  // The raw pattern a careful hand-written receiver uses, header parse included.
  const raw = () => {
    const expected = createHmac('sha256', SECRET).update(body).digest();
    const received = Buffer.from(signature, 'hex');
    return received.length === expected.length && timingSafeEqual(expected, received);
  };
  const ours = () => verify(body, signature, SECRET);
  if (!raw() || !ours()) throw new Error('a variant failed to verify');
  const bench = new Bench({ time, warmupTime: 50 });
  // Alternated over several short rounds, each compared by its median time, so drift and
  // bursts from other processes on a busy machine hit both alike.
  for (let r = 0; r < ROUNDS; r++) bench.add(`raw-${r}`, raw).add(`verify-${r}`, ours);
  await bench.run();
  const p50 = (name) => bench.getTask(name).result.latency.p50;
  const pairs = Array.from({ length: ROUNDS }, (_, r) => ({ raw: p50(`raw-${r}`), ours: p50(`verify-${r}`) }));
  rows.push({
    size,
    rawUs: median(pairs.map((p) => p.raw)) * 1000,
    verifyUs: median(pairs.map((p) => p.ours)) * 1000,
    ratio: median(pairs.map((p) => p.ours / p.raw)),
  });
}

if (json) console.log(JSON.stringify(rows));
else {
  console.log(`node ${process.version}: verify() vs raw createHmac + timingSafeEqual`);
  for (const r of rows) console.log(`  ${String(r.size / 1024).padStart(5)} KiB  raw ${r.rawUs.toFixed(2)} µs  verify ${r.verifyUs.toFixed(2)} µs  x${r.ratio.toFixed(3)}`);
}
