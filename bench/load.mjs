// The load generator, in its own process (forked by bench/run.mjs): autocannon, keep-alive,
// 127.0.0.1. Each message is one cell; the answer is its throughput and latency percentiles.
// autocannon's own histogram counts whole milliseconds, so the exact response times are
// taken from its 'response' events instead.
import autocannon from 'autocannon';

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];
}

process.on('message', async (job) => {
  const times = [];
  const start = process.hrtime.bigint();
  const instance = autocannon({
    url: `http://127.0.0.1:${job.port}/thunderphone-webhook`,
    method: 'POST',
    headers: job.headers,
    body: Buffer.from(job.body, 'base64'),
    connections: job.connections,
    duration: job.seconds,
    pipelining: 1,
    sampleInt: 50, // autocannon stops on a sample tick; its default of 1 s would stretch short cells
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status < 300) times.push(ms);
  });
  const result = await instance;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort((x, y) => x - y);
  process.send({
    rps: times.length / seconds,
    seconds,
    requests: times.length,
    p50: percentile(times, 0.5),
    p99: percentile(times, 0.99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  });
});
process.on('disconnect', () => process.exit(0));
