#!/usr/bin/env node
// A stand-in tunnel CLI for `--tunnel command`: `node tunnel-cli.mjs PORT [--die-after MS] [--silent]`.
// It prints the kind of noise cloudflared prints (a terms link, the local URL it forwards), then
// its public URL, and proxies to 127.0.0.1:PORT until it is stopped (or --die-after passes).
import { startLoopbackProxy } from './loopback-proxy.mjs';

const [portText, ...rest] = process.argv.slice(2);
const port = Number(portText);
const dieAfter = rest.includes('--die-after') ? Number(rest[rest.indexOf('--die-after') + 1]) : undefined;
const silent = rest.includes('--silent');

const proxy = await startLoopbackProxy(port);
console.error('INF Thank you for trying the tunnel. Terms: https://www.cloudflare.com/website-terms/');
console.error(`INF Requesting new tunnel for --url http://localhost:${port}`);
if (!silent) console.error(`INF |  ${proxy.publicUrl}  |`);
if (dieAfter !== undefined) {
  setTimeout(() => {
    console.error('ERR connection to the edge lost');
    process.exit(3);
  }, dieAfter);
}
process.on('SIGTERM', () => {
  void proxy.close().then(() => process.exit(0));
});
