// End-to-end cost of the Express/Node adapter against a careful hand-written receiver, over
// loopback, with the load generated here and each server in its own process. Run: npm run build
// && node bench/http.mjs. Prints req/s, latency percentiles and server memory, side by side.
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';

const secret = 'whsec_bench_secret_0123456789abcdef';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = 16;

const bodies = {
  'call.incoming': '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}',
  'call.complete (8 KiB)': JSON.stringify({
    data: { call_id: 987654321, transcripts: Array.from({ length: 60 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `Olá, José 😀 turn ${i} `.repeat(5) })) },
    type: 'call.complete',
  }),
};

function startServer(mode) {
  const child = fork(new URL('./http-server.mjs', import.meta.url), [mode, secret]);
  return new Promise((resolve) => child.once('message', ({ port }) => resolve({ child, port })));
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

async function load(port, body) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  const latencies = [];
  let sent = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = http.request(
        { host: '127.0.0.1', port, path: '/thunderphone-webhook', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-thunderphone-signature': signature } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
            latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const worker = async () => {
    while (sent < REQUESTS) {
      sent++;
      await one();
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.floor((latencies.length - 1) * p)];
  return { rps: REQUESTS / seconds, p50: pct(0.5), p99: pct(0.99) };
}

console.log(`node ${process.version}, ${REQUESTS} requests per cell, ${CONCURRENCY} concurrent, ${new Date().toISOString()}`);
for (const [name, body] of Object.entries(bodies)) {
  console.log(`\n${name}, ${Buffer.byteLength(body)} bytes`);
  const rows = [];
  // Interleaved twice so drift on a shared machine hits both modes alike.
  for (const round of [1, 2]) {
    for (const mode of ['baseline', 'library']) {
      const { child, port } = await startServer(mode);
      await load(port, body); // warm-up
      const r = await load(port, body);
      const mem = await ask(child, 'stats');
      child.kill();
      rows.push({ mode, round, ...r, rssMiB: mem.rss / 2 ** 20 });
    }
  }
  for (const row of rows) {
    console.log(`  ${row.mode.padEnd(9)} round ${row.round}: ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  rss ${row.rssMiB.toFixed(0)} MiB`);
  }
  for (const round of [1, 2]) {
    const [b, l] = ['baseline', 'library'].map((m) => rows.find((r) => r.mode === m && r.round === round));
    console.log(`  round ${round}: library/baseline throughput x${(l.rps / b.rps).toFixed(2)}`);
  }
}
