// Turns the raw cells of bench/run.mjs into bench/RESULTS.md: tables, ratios, targets.
const MiB = 1024 * 1024;

export const LABELS = {
  'a-node-bare': '(a) bare node:http, 200',
  'b-express-bare': '(b) Express route doing nothing',
  'c-ours-express': '(c) ours, Express middleware',
  'd-ours-node': '(d) ours, node:http adapter',
  'e-handwritten': '(e) hand-written express.raw + createHmac',
  'f-octokit': '(f) @octokit/webhooks createNodeMiddleware',
  'g-stripe': '(g) stripe constructEvent + express.raw',
  'h-standardwebhooks': '(h) standardwebhooks verify + express.raw',
  'i-ours-web': '(i) ours, Web adapter under node:http',
};

/** Ours against each peer, each pair on the same HTTP stack: Express for (e) (g) (h), node:http for (f). */
export const PAIRS = [
  ['c-ours-express', 'e-handwritten'],
  ['c-ours-express', 'g-stripe'],
  ['c-ours-express', 'h-standardwebhooks'],
  ['d-ours-node', 'f-octokit'],
];

const labelOf = (n) => LABELS[n] ?? `${LABELS[n.replace(/@before$/, '')]}, before this branch's changes`;

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const mib = (bytes) => fmt(bytes / MiB, 0);

/** Median over rounds of a per-round ratio of throughputs. */
export function ratio(rounds, a, b) {
  return median(rounds.map((r) => r[a].rps / r[b].rps));
}

/** Median over rounds of a per-round ratio of server CPU time per request. */
export function costRatio(rounds, a, b) {
  return median(rounds.map((r) => r[a].cpuUsPerRequest / r[b].cpuUsPerRequest));
}

function stat(rounds, name, field) {
  return median(rounds.map((r) => r[name][field]));
}

function memoryPerRequest(block, name, connections) {
  const peak = Math.max(...block.rounds.map((r) => r[name].peak));
  return (peak - block.baseline[name]) / connections / block.bytes;
}

const verdict = (ok) => (ok ? '**met**' : '**missed**');

export function writeResults({ meta, main, latency, scaling, micro, sizes, concurrency }) {
  const out = [];
  const first = Object.values(main)[0].rounds[0];
  const before = Object.keys(first).filter((n) => n.endsWith('@before'));
  const names = [...Object.keys(LABELS), ...before];
  out.push('# Benchmark results', '');
  out.push(`Produced by \`${meta.command}\` on ${meta.date}: Node ${meta.node}, ${meta.cpu}.`);
  out.push(
    `Load average ${meta.loadBefore.map((x) => x.toFixed(2)).join(' / ')} before and ${meta.loadAfter.map((x) => x.toFixed(2)).join(' / ')} after ` +
      `(1/5/15 min); the run took ${meta.elapsedS.toFixed(0)} s. A load average near or above the core count means the machine was busy ` +
      'and absolute figures are low; the ratios, taken within each round, hold up better.',
  );
  out.push('');
  out.push(
    `Method: each server runs in its own process and autocannon in another, over 127.0.0.1 with keep-alive, ${meta.connections} connections. ` +
      `For each payload every server gets a ${fmt(meta.seconds / 2, 1)} s warm-up, then ${meta.rounds} rounds of one ${meta.seconds} s cell per server, ` +
      'the servers taken in turn (the first one rotating each round). Figures are medians over the rounds; a ratio is computed within each round, ' +
      'then the median is taken. Latency is measured per response from autocannon\'s response events (not its whole-millisecond histogram). ' +
      'Peak RSS is sampled every 25 ms inside the server. Peers answer with their own acknowledgement; ours and (e) answer call.incoming with the same agent config.',
  );
  out.push('', '![Throughput and p99 latency against body size](chart.svg)', '');

  for (const block of Object.values(main)) {
    out.push(`## ${block.label}`, '');
    out.push('| server | req/s | p50 ms | p99 ms | peak RSS MiB | server CPU µs/req | × (b) |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const n of names) {
      out.push(
        `| ${labelOf(n)} | ${fmt(stat(block.rounds, n, 'rps'), 0)} | ${fmt(stat(block.rounds, n, 'p50'))} | ${fmt(stat(block.rounds, n, 'p99'))} | ` +
          `${mib(Math.max(...block.rounds.map((r) => r[n].peak)))} | ${fmt(stat(block.rounds, n, 'cpuUsPerRequest'), 0)} | ${fmt(ratio(block.rounds, n, 'b-express-bare'))} |`,
      );
    }
    out.push('');
  }

  out.push('## Ours against each peer (throughput ratio, median of per-round ratios)', '');
  out.push(
    'Each cell is ours / theirs in requests per second; in brackets, the same comparison by server CPU time per request ' +
      '(theirs / ours, so above 1 means ours costs less), which a busy machine disturbs less than throughput.',
    '',
  );
  out.push(`| payload | ${PAIRS.map(([o, p]) => `${o[0]} / ${p[0]}`).join(' | ')} | d / a | c / b | i / f |`);
  out.push(`|---|${PAIRS.map(() => '---:').join('|')}|---:|---:|---:|`);
  for (const block of Object.values(main)) {
    const cells = PAIRS.map(([o, p]) => `${fmt(ratio(block.rounds, o, p))} (${fmt(costRatio(block.rounds, p, o))})`);
    out.push(`| ${block.label} | ${cells.join(' | ')} | ${fmt(ratio(block.rounds, 'd-ours-node', 'a-node-bare'))} | ${fmt(ratio(block.rounds, 'c-ours-express', 'b-express-bare'))} | ${fmt(ratio(block.rounds, 'i-ours-web', 'f-octokit'))} |`);
  }
  out.push('');

  if (before.length > 0) {
    out.push('## Before and after this branch (same run, same rounds)', '');
    out.push('| payload | server | req/s before | req/s after | after / before | CPU µs/req before | CPU µs/req after | p99 before ms | p99 after ms |', '|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const block of Object.values(main)) {
      for (const b of before) {
        const a = b.replace(/@before$/, '');
        out.push(`| ${block.label} | ${LABELS[a]} | ${fmt(stat(block.rounds, b, 'rps'), 0)} | ${fmt(stat(block.rounds, a, 'rps'), 0)} | ${fmt(ratio(block.rounds, a, b))} | ${fmt(stat(block.rounds, b, 'cpuUsPerRequest'), 0)} | ${fmt(stat(block.rounds, a, 'cpuUsPerRequest'), 0)} | ${fmt(stat(block.rounds, b, 'p99'))} | ${fmt(stat(block.rounds, a, 'p99'))} |`);
      }
    }
    out.push('');
  }

  // Targets
  const k1 = main['1k'];
  const m1 = main['1m'];
  const cb = ratio(k1.rounds, 'c-ours-express', 'b-express-bare');
  const da = ratio(k1.rounds, 'd-ours-node', 'a-node-bare');
  const peerRatios = Object.values(main).flatMap((b) => PAIRS.map(([o, p]) => ({ label: `${o[0]}/${p[0]} at ${b.label.split(' ').slice(0, 2).join(' ')}`, r: ratio(b.rounds, o, p) })));
  const worstPeer = peerRatios.reduce((a, b) => (b.r < a.r ? b : a));
  const peerCosts = Object.values(main).flatMap((b) => PAIRS.map(([o, p]) => ({ label: `${p[0]}/${o[0]} at ${b.label.split(' ').slice(0, 2).join(' ')}`, r: costRatio(b.rounds, p, o) })));
  const worstCost = peerCosts.reduce((a, b) => (b.r < a.r ? b : a));
  const cbCost = costRatio(k1.rounds, 'b-express-bare', 'c-ours-express');
  const daCost = costRatio(k1.rounds, 'a-node-bare', 'd-ours-node');
  const worstMicro = micro.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const memC = memoryPerRequest(m1, 'c-ours-express', meta.connections);
  const memD = memoryPerRequest(m1, 'd-ours-node', meta.connections);
  const p99Delta = median(latency.rounds.map((r) => r['c-ours-express'].p99 - r['e-handwritten'].p99));
  out.push('## Targets (issue 5 §2)', '');
  out.push('| target | measured (throughput) | by CPU time per request | verdict (throughput) |', '|---|---|---|---|');
  out.push(`| (c) ≥ 0.90 × (b) at 1 KiB | ${fmt(cb)} | b/c ${fmt(cbCost)} | ${verdict(cb >= 0.9)} |`);
  out.push(`| (d) ≥ 0.90 × (a) at 1 KiB | ${fmt(da)} | a/d ${fmt(daCost)} | ${verdict(da >= 0.9)} |`);
  out.push(`| ours ≥ 1.0 × every peer at every size | lowest ${fmt(worstPeer.r)} (${worstPeer.label}) | lowest ${fmt(worstCost.r)} (${worstCost.label}) | ${verdict(worstPeer.r >= 1)} |`);
  out.push(`| verify() within 1.1 × raw createHmac + timingSafeEqual | worst ${fmt(worstMicro.ratio, 3)} (at ${worstMicro.size / 1024} KiB) | | ${verdict(worstMicro.ratio <= 1.1)} |`);
  out.push(`| at 1 MiB, peak memory per in-flight request ≤ 2.5 × body | (c) ${fmt(memC)} ×, (d) ${fmt(memD)} × | | ${verdict(Math.max(memC, memD) <= 2.5)} |`);
  out.push(`| blocking reply adds < 0.3 ms at p99 over the same handler in (e) | (c) − (e) p99 = ${fmt(p99Delta, 3)} ms | | ${verdict(p99Delta < 0.3)} |`);
  out.push('');
  out.push(
    `Memory per in-flight request is (peak RSS during the 1 MiB cells − RSS before them) / ${meta.connections} connections / body size, so garbage ` +
      'the collector has not reclaimed yet counts against it. For comparison, at 1 MiB: ' +
      names.map((n) => `${n[0]}${n.endsWith('@before') ? ' before' : ''} ${fmt(memoryPerRequest(m1, n, meta.connections))} ×`).join(', ') + '.',
  );
  out.push('');
  out.push(`Blocking reply latency, one request at a time (concurrency 1), median over ${latency.rounds.length} rounds:`, '');
  out.push('| server | p50 ms | p99 ms | req/s |', '|---|---:|---:|---:|');
  for (const n of ['c-ours-express', 'e-handwritten']) {
    out.push(`| ${LABELS[n]} | ${fmt(stat(latency.rounds, n, 'p50'), 3)} | ${fmt(stat(latency.rounds, n, 'p99'), 3)} | ${fmt(stat(latency.rounds, n, 'rps'), 0)} |`);
  }
  out.push('');

  out.push('## verify() against raw crypto (tinybench, same bytes)', '');
  out.push('| body | raw createHmac + timingSafeEqual µs | verify() µs | ratio |', '|---:|---:|---:|---:|');
  for (const r of micro) out.push(`| ${r.size / 1024} KiB | ${fmt(r.rawUs)} | ${fmt(r.verifyUs)} | ${fmt(r.ratio, 3)} |`);
  out.push('');

  out.push('## Cost as work grows: (d) our node:http adapter', '');
  out.push('Throughput in req/s, then p99 ms, then peak RSS MiB, per body size (rows) and concurrency (columns); one cell each. ' +
    'CPU µs/request is the server process\'s user + system time over the cell divided by the requests answered.', '');
  const head = `| body | ${concurrency.map((c) => `c=${c} req/s`).join(' | ')} | ${concurrency.map((c) => `c=${c} p99`).join(' | ')} | ${concurrency.map((c) => `c=${c} RSS`).join(' | ')} | CPU µs/req (c=16) | (e) CPU µs/req |`;
  out.push(head, `|${head.split('|').slice(2).map(() => '---:').join('|')}|`);
  for (const size of sizes) {
    const cells = concurrency.map((c) => scaling.ours[`${size}:${c}`]);
    out.push(
      `| ${size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`} | ${cells.map((x) => (x.requests > 0 ? fmt(x.rps, 0) : `0 (none in ${fmt(x.seconds ?? NaN, 1)} s)`)).join(' | ')} | ${cells.map((x) => fmt(x.p99, 1)).join(' | ')} | ` +
        `${cells.map((x) => mib(x.peak)).join(' | ')} | ${fmt(scaling.ours[`${size}:16`].cpuUsPerRequest, 0)} | ${fmt(scaling.handwritten[`${size}:16`].cpuUsPerRequest, 0)} |`,
    );
  }
  out.push('', linearity(scaling, sizes), '');
  return `${out.join('\n')}\n`;
}

// The marginal CPU cost per byte between the smallest body and each larger one; linear when it
// stays within ±30 % from 64 KiB up.
function linearity(scaling, sizes) {
  const cost = (s) => scaling.ours[`${s}:16`].cpuUsPerRequest;
  const small = sizes[0];
  const marginal = sizes.filter((s) => s >= 64 * 1024 && Number.isFinite(cost(s))).map((s) => ({ s, perMiB: ((cost(s) - cost(small)) / (s - small)) * MiB }));
  if (marginal.length < 2 || !Number.isFinite(cost(small))) return 'Too few cells answered to judge how the cost grows with body size on this run.';
  const lo = Math.min(...marginal.map((m) => m.perMiB));
  const hi = Math.max(...marginal.map((m) => m.perMiB));
  const linear = hi / lo <= 1.3 / 0.7;
  return (
    `Marginal CPU cost per MiB of body over the 1 KiB request: ${marginal.map((m) => `${fmt(m.perMiB, 0)} µs (to ${m.s >= MiB ? `${m.s / MiB} MiB` : `${m.s / 1024} KiB`})`).join(', ')}. ` +
    (linear
      ? `It stays within a factor ${fmt(hi / lo)} from 64 KiB to 4 MiB, so the cost is **linear in body size** (a fixed per-request part plus a per-byte part).`
      : `It varies by a factor ${fmt(hi / lo)} from 64 KiB to 4 MiB, so on this run the cost is **not cleanly linear** in body size (see the rows above; a busy machine skews single cells).`) +
    ' Memory grows with concurrency × body size: each in-flight request holds its body, its decoded text while parsing, and the parsed event.'
  );
}
