// One receiver for bench/http.mjs, in its own process. Mode "library" or "baseline".
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import getRawBody from 'raw-body';
import { thunderphoneMiddleware, silentLogger } from '../dist/index.js';

const [mode, secret] = process.argv.slice(2);
const handlers = {
  'call.incoming': (event) => ({ prompt: `Answer ${event.data.to_number}`, voice: 'en-US-James1' }),
  'call.complete': () => {},
};

// What a careful hand-written receiver does: raw bytes, HMAC, constant-time compare, parse, reply.
async function baseline(req, res) {
  const body = await getRawBody(req, { limit: 1024 * 1024 });
  const expected = createHmac('sha256', secret).update(body).digest();
  const header = String(req.headers['x-thunderphone-signature'] ?? '');
  const received = /^[0-9a-f]{64}$/.test(header) ? Buffer.from(header, 'hex') : Buffer.alloc(32);
  if (!timingSafeEqual(expected, received)) {
    res.writeHead(401).end();
    return;
  }
  const event = JSON.parse(body.toString('utf8'));
  const reply = JSON.stringify(event.type === 'call.incoming' ? await handlers['call.incoming'](event) : { ok: true });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) }).end(reply);
}

const handler = mode === 'library' ? thunderphoneMiddleware({ secret, handlers, logger: silentLogger }) : baseline;
const server = http.createServer(handler);
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'stats') process.send?.({ rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed });
  if (m === 'exit') process.exit(0); // a normal exit, so --cpu-prof can write its profile
});
