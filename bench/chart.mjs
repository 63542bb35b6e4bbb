// A small hand-written SVG: throughput and p99 latency against body size (log scales), ours
// against the peers. No chart package: lines, dots, ticks and a legend.
import { LABELS, median } from './results.mjs';

const SERIES = [
  ['c-ours-express', '#1f77b4', ''],
  ['d-ours-node', '#2ca02c', ''],
  ['i-ours-web', '#17becf', ''],
  ['e-handwritten', '#7f7f7f', '4 3'],
  ['f-octokit', '#d62728', '4 3'],
  ['g-stripe', '#9467bd', '4 3'],
  ['h-standardwebhooks', '#ff7f0e', '4 3'],
];

const W = 420;
const H = 300;
const PAD = { left: 58, right: 12, top: 30, bottom: 44 };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

function panel(x0, title, unit, blocks, field) {
  const values = blocks.flatMap((b) => SERIES.map(([n]) => median(b.rounds.map((r) => r[n][field])))).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const x = (i) => x0 + PAD.left + (blocks.length === 1 ? iw / 2 : (i * iw) / (blocks.length - 1));
  const y = (v) => PAD.top + ih - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ih;
  const parts = [`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    const v = 10 ** e;
    parts.push(`<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${x0 + PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1 ? v.toLocaleString('en-US') : v}</text>`);
  }
  blocks.forEach((b, i) => {
    parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${esc(b.label.split(' ').slice(0, 2).join(' '))}</text>`);
  });
  parts.push(`<text x="${x0 + PAD.left + iw / 2}" y="${H - 8}" text-anchor="middle">body size (log)</text>`);
  parts.push(`<text transform="translate(${x0 + 14} ${PAD.top + ih / 2}) rotate(-90)" text-anchor="middle">${esc(unit)} (log)</text>`);
  for (const [name, color, dash] of SERIES) {
    const pts = blocks.map((b, i) => [x(i), y(median(b.rounds.map((r) => r[name][field])))]);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="${dash}" points="${pts.map((p) => p.map((n) => n.toFixed(1)).join(',')).join(' ')}"/>`);
    for (const [px, py] of pts) parts.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${color}"/>`);
  }
  return parts.join('\n');
}

export function drawChart(main) {
  const blocks = Object.values(main);
  const legendY = H + 10;
  const legend = SERIES.map(([name, color, dash], i) => {
    const lx = 20 + (i % 2) * 420;
    const ly = legendY + Math.floor(i / 2) * 18;
    return `<line x1="${lx}" x2="${lx + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2" stroke-dasharray="${dash}"/><text x="${lx + 34}" y="${ly + 4}">${esc(LABELS[name])}</text>`;
  }).join('\n');
  const height = legendY + Math.ceil(SERIES.length / 2) * 18 + 6;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" viewBox="0 0 ${2 * W} ${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'Throughput (higher is better)', 'req/s', blocks, 'rps')}
${panel(W, 'p99 latency (lower is better)', 'ms', blocks, 'p99')}
${legend}
</svg>
`;
}
