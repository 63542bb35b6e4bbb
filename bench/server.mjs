// One server of the end-to-end bench, in its own process: `node bench/server.mjs <name>`.
// Reports its port over IPC, samples its RSS, and answers 'mem' (peak RSS and CPU time since
// the last 'mem') and 'exit' (a normal exit, so --cpu-prof can write its profile).
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { SECRET, STD_SECRET } from './payloads.mjs';

// BENCH_DIST points at another build (e.g. a copy of dist/ from before a change) to compare.
const dist = process.env.BENCH_DIST ? new URL(`file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}`) : new URL('../dist/', import.meta.url);
const { thunderphoneMiddleware, silentLogger } = await import(new URL('index.js', dist).href);
const { createWebHandler } = await import(new URL('web/index.js', dist).href);

const LIMIT = 8 * 1024 * 1024;
const PATH = '/thunderphone-webhook';

// The same handlers everywhere: an agent config for the blocking call.incoming, nothing else.
const answerIncoming = (event) => ({ prompt: `Answer ${event.data.to_number}`, voice: 'en-US-James1' });
const handlers = { 'call.incoming': answerIncoming, 'call.complete': () => {} };
// Peers have no blocking reply; they acknowledge the way their docs show.
const replyJson = (res, value) => res.status(200).json(value);

function expressApp(route) {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  route(app);
  return app;
}

const servers = {
  // (a) bare node:http answering 200
  'a-node-bare': () => http.createServer((_req, res) => res.writeHead(200, { 'content-length': 0 }).end()),
  // (b) an Express route that does nothing
  'b-express-bare': () => http.createServer(expressApp((app) => app.post(PATH, (_req, res) => res.sendStatus(200)))),
  // (c) our Express middleware
  'c-ours-express': () =>
    http.createServer(expressApp((app) => app.post(PATH, thunderphoneMiddleware({ secret: SECRET, handlers, logger: silentLogger, limit: LIMIT })))),
  // (d) our Node http adapter
  'd-ours-node': () => http.createServer(thunderphoneMiddleware({ secret: SECRET, handlers, logger: silentLogger, limit: LIMIT })),
  // (e) the careful hand-written pattern: express.raw(), createHmac, timingSafeEqual, JSON.parse
  'e-handwritten': () =>
    http.createServer(
      expressApp((app) =>
        app.post(PATH, express.raw({ type: '*/*', limit: LIMIT }), (req, res) => {
          const expected = createHmac('sha256', SECRET).update(req.body).digest();
          const header = String(req.headers['x-thunderphone-signature'] ?? '');
          const received = /^[0-9a-f]{64}$/.test(header) ? Buffer.from(header, 'hex') : Buffer.alloc(32);
          if (!timingSafeEqual(expected, received)) return res.sendStatus(401);
          const event = JSON.parse(req.body.toString('utf8'));
          if (event.type === 'call.incoming') return replyJson(res, answerIncoming(event));
          return replyJson(res, { ok: true });
        }),
      ),
    ),
  // (f) @octokit/webhooks createNodeMiddleware, GitHub-style signature
  'f-octokit': async () => {
    const { Webhooks, createNodeMiddleware } = await import('@octokit/webhooks');
    const webhooks = new Webhooks({ secret: SECRET });
    webhooks.on('ping', () => {});
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    return http.createServer(createNodeMiddleware(webhooks, { path: PATH, log: silent }));
  },
  // (g) stripe.webhooks.constructEvent behind express.raw()
  'g-stripe': async () => {
    const { default: Stripe } = await import('stripe');
    const stripe = new Stripe('sk_test_bench');
    return http.createServer(
      expressApp((app) =>
        app.post(PATH, express.raw({ type: '*/*', limit: LIMIT }), (req, res) => {
          try {
            stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'], SECRET, 3600);
          } catch {
            return res.sendStatus(400);
          }
          return replyJson(res, { received: true });
        }),
      ),
    );
  },
  // (h) standardwebhooks verify behind express.raw()
  'h-standardwebhooks': async () => {
    const { Webhook } = await import('standardwebhooks');
    const wh = new Webhook(STD_SECRET.slice('whsec_'.length));
    return http.createServer(
      expressApp((app) =>
        app.post(PATH, express.raw({ type: '*/*', limit: LIMIT }), (req, res) => {
          try {
            wh.verify(req.body, req.headers);
          } catch {
            return res.sendStatus(400);
          }
          return replyJson(res, { received: true });
        }),
      ),
    );
  },
  // (i) our Web adapter under node:http, with the usual Request/Response bridge
  'i-ours-web': () => {
    const web = createWebHandler({ secret: SECRET, handlers, logger: silentLogger, limit: LIMIT });
    return http.createServer(async (req, res) => {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, {
        method: req.method,
        headers: req.headers,
        ...(hasBody ? { body: Readable.toWeb(req), duplex: 'half' } : {}),
      });
      const response = await web(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  },
};

export const SERVER_NAMES = Object.keys(servers);

// Run as a script (not imported by run.mjs for SERVER_NAMES): start the named server.
const name = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href ? process.argv[2] : undefined;
if (name !== undefined) {
  if (!servers[name]) throw new Error(`unknown server ${name}; one of ${SERVER_NAMES.join(', ')}`);
  const server = await servers[name]();
  server.keepAliveTimeout = 60_000;
  let peak = 0;
  let cpu = process.cpuUsage();
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  };
  setInterval(sample, 25).unref();
  server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
  process.on('message', (m) => {
    if (m === 'mem') {
      sample();
      const used = process.cpuUsage(cpu);
      process.send?.({ peak, rss: process.memoryUsage.rss(), cpuMs: (used.user + used.system) / 1000 });
      peak = 0;
      cpu = process.cpuUsage();
    }
    if (m === 'exit') server.close(() => process.exit(0));
    // How busy the server is over a short window: still working through a previous cell?
    if (typeof m === 'object' && m !== null && 'busyOver' in m) {
      const from = process.cpuUsage();
      setTimeout(() => {
        const used = process.cpuUsage(from);
        process.send?.({ busyMs: (used.user + used.system) / 1000 });
      }, m.busyOver);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
