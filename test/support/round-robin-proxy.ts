// A small load balancer for the multi-instance tests: each request goes to the next upstream in
// turn, body and reply passed through untouched. An upstream that is down gets a 502, as most load
// balancers answer, and the sender retries it like ThunderPhone would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  /** Which upstream (index) served each request, in order, with the event_id it carried. */
  readonly routed: { upstream: number; eventId: string | undefined }[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(upstreams: string[], path: string): Promise<RoundRobinProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const routed: RoundRobinProxy['routed'] = [];
  let next = 0;

  const server = http.createServer((req, res) => {
    const upstream = next;
    next = (next + 1) % upstreams.length;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      routed.push({ upstream, eventId: eventIdOf(body) });
      const target = new URL(req.url ?? '/', upstreams[upstream]);
      const out = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host }, agent }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      out.on('error', (error) => {
        if (res.headersSent) return res.destroy();
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'bad_gateway', message: `upstream ${upstream}: ${error.message}` }));
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    routed,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function eventIdOf(body: Buffer): string | undefined {
  try {
    const id = (JSON.parse(body.toString('utf8')) as { event_id?: unknown }).event_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
