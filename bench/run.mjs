// The whole benchmark, `npm run bench`: every server in its own process, the load generator in
// another, cells alternated A B C … A B C … so drift on a shared machine hits all alike, ratios
// taken per round and then the median. Writes bench/RESULTS.md and bench/chart.svg.
// BENCH_SECONDS (default 0.6) sets the length of one measured cell. Budget: 3 payloads × 9
// servers × (5 rounds + a half-length warm-up) ≈ 90 s, the latency cells ≈ 7 s, the scaling run
// 30 cells (4 MiB ones twice as long) ≈ 20 s, the micro-benchmark ≈ 6 s, plus set-up and the wait
// for each server to drain (a fraction of a second a cell, more for big bodies at high
// concurrency): about 3 minutes, and under 5 with the build (tsup with declarations) even on a
// busy machine.
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { drawChart } from './chart.mjs';
import { callComplete, callIncoming, headersFor } from './payloads.mjs';
import { SERVER_NAMES } from './server.mjs';
import { writeResults } from './results.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.6);
const WARMUP = SECONDS / 2;
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const CONNECTIONS = 16;
const KiB = 1024;
const MiB = 1024 * KiB;

const SCHEME = { 'f-octokit': 'github', 'g-stripe': 'stripe', 'h-standardwebhooks': 'standard' };
const PAYLOADS = [
  { key: '1k', label: '1 KiB call.incoming (blocking reply)', body: callIncoming(1024) },
  { key: '64k', label: '64 KiB call.complete', body: callComplete(64 * KiB) },
  { key: '1m', label: '1 MiB call.complete (long non-ASCII transcript)', body: callComplete(MiB) },
];
const SCALE_SIZES = [KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];
const SCALE_CONCURRENCY = [1, 16, 64, 256];

const started = Date.now();
const loadBefore = os.loadavg();
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);

function call(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

// BENCH_BEFORE=<a copy of dist/ from before a change> adds (c) and (d) built from it to every
// round, for before/after ratios measured side by side. BENCH_PROFILE=<dir> writes CPU profiles.
async function startServer(name, base = name, env = {}) {
  const child = fork(new URL('./server.mjs', import.meta.url), [base], {
    env: { ...process.env, ...env },
    execArgv: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
  });
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`server ${name} exited with ${code}`)));
  });
  return { name, base, child, port };
}

let loader;

// Requests left in flight when a cell stops are still being worked on (up to 256 bodies of
// 1 MiB): wait, up to 5 s, until the server is mostly idle, so they take no CPU from the next cell.
async function settle(server) {
  for (let waited = 0; waited < 5000; waited += 50) {
    const { busyMs } = await call(server.child, { busyOver: 50 });
    if (busyMs < 10) return;
  }
}

/** One cell: load for `seconds`, then the server's peak RSS and CPU time over it. */
async function cell(server, payload, connections, seconds) {
  await call(server.child, 'mem'); // resets the peak and the CPU clock
  const r = await call(loader, { port: server.port, headers: headersFor(SCHEME[server.base] ?? 'thunderphone', payload), body: payload.toString('base64'), connections, seconds });
  const mem = await call(server.child, 'mem');
  await settle(server);
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${server.name}: ${r.errors} errors, ${r.non2xx} non-2xx answers at ${payload.byteLength} bytes`);
  // Too few answers in a cell (a 4 MiB body on a busy machine) give no per-request figure.
  return { ...r, peak: mem.peak, rssAfter: mem.rss, cpuUsPerRequest: r.requests >= 3 ? (mem.cpuMs * 1000) / r.requests : NaN };
}

// `node bench/run.mjs --render <raw.json>` redraws RESULTS.md and the chart from a saved run.
const renderFrom = process.argv.indexOf('--render');
const raw = renderFrom > 0 ? JSON.parse(readFileSync(process.argv[renderFrom + 1], 'utf8')) : await measure();
const { meta, main, latency, scaling, micro } = raw;

async function measure() {
  loader = fork(new URL('./load.mjs', import.meta.url));
  const servers = [];
  for (const name of SERVER_NAMES) servers.push(await startServer(name));
  if (process.env.BENCH_BEFORE) {
    for (const base of ['c-ours-express', 'd-ours-node']) servers.push(await startServer(`${base}@before`, base, { BENCH_DIST: process.env.BENCH_BEFORE }));
  }
  log(`started ${servers.length} servers and the load generator (node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model})`);

  // Main matrix: every server, every payload, ROUNDS alternations at CONNECTIONS.
  const main = {};
  for (const { key, label, body } of PAYLOADS) {
    main[key] = { label, bytes: body.byteLength, rounds: [], baseline: {} };
    for (const s of servers) {
      main[key].baseline[s.name] = (await call(s.child, 'mem')).rss;
      await cell(s, body, CONNECTIONS, WARMUP);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const row = {};
      // Rotate the starting server so no server always follows the same neighbour.
      for (let i = 0; i < servers.length; i++) {
        const s = servers[(i + round) % servers.length];
        row[s.name] = await cell(s, body, CONNECTIONS, SECONDS);
      }
      main[key].rounds.push(row);
    }
    log(`${label}: ${ROUNDS} rounds done`);
  }

  // The blocking reply's own cost: (c) against the same handler in (e), one request at a time.
  const byName = Object.fromEntries(servers.map((s) => [s.name, s]));
  const latency = { rounds: [] };
  {
    const body = PAYLOADS[0].body;
    for (const n of ['c-ours-express', 'e-handwritten']) await cell(byName[n], body, 1, WARMUP);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? ['e-handwritten', 'c-ours-express'] : ['c-ours-express', 'e-handwritten'];
      const row = {};
      for (const n of order) row[n] = await cell(byName[n], body, 1, SECONDS);
      latency.rounds.push(row);
    }
    log('blocking-reply latency at concurrency 1 done');
  }

  // Scaling: our Node adapter over concurrency × body size; the hand-written receiver over size.
  const scaling = { ours: {}, handwritten: {} };
  for (const size of SCALE_SIZES) {
    const body = size === KiB ? PAYLOADS[0].body : callComplete(size);
    const seconds = size >= 4 * MiB ? SECONDS * 2 : SECONDS; // a 4 MiB request alone can take over a second on a busy machine
    for (const c of SCALE_CONCURRENCY) scaling.ours[`${size}:${c}`] = await cell(byName['d-ours-node'], body, c, seconds);
    scaling.handwritten[`${size}:16`] = await cell(byName['e-handwritten'], body, 16, seconds);
  }
  log('scaling run done');

  for (const s of servers) s.child.send('exit');
  loader.disconnect();

  const micro = JSON.parse(execFileSync(process.execPath, [new URL('./micro.mjs', import.meta.url).pathname, '--json'], { encoding: 'utf8' }));
  log('micro-benchmark done');

  const meta = {
    node: process.version,
    cpu: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}`,
    command: `${['BENCH_SECONDS', 'BENCH_ROUNDS', 'BENCH_BEFORE'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]} `).join('')}npm run bench`,
    date: new Date().toISOString(),
    seconds: SECONDS,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    loadBefore,
    loadAfter: os.loadavg(),
    elapsedS: (Date.now() - started) / 1000,
  };
  const rawFile = join(os.tmpdir(), 'thunderphone-bench-raw.json');
  const result = { meta, main, latency, scaling, micro };
  writeFileSync(rawFile, JSON.stringify(result));
  log(`raw cells saved to ${rawFile}`);
  return result;
}

const chart = drawChart(main);
writeFileSync(new URL('./chart.svg', import.meta.url), chart);
const markdown = writeResults({ meta, main, latency, scaling, micro, sizes: SCALE_SIZES, concurrency: SCALE_CONCURRENCY });
writeFileSync(new URL('./RESULTS.md', import.meta.url), markdown);
console.log(markdown);
log('wrote bench/RESULTS.md and bench/chart.svg');
