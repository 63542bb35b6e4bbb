// A real reverse proxy on 127.0.0.1, standing in for a tunnel: it forwards every request to a
// local port with a different Host and X-Forwarded-* headers, streams bodies both ways untouched,
// and can "die" (stop and cut every connection), as a tunnel does when its process goes away.
// Plain JavaScript so tunnel-cli.mjs can run it as a child process without a build step.
import http from 'node:http';

export const PUBLIC_HOST = 'abc123.loopback-tunnel.test';

export async function startLoopbackProxy(targetPort, options = {}) {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-forwarded-proto'] = 'https';
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    headers.host = PUBLIC_HOST;
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html' });
      res.end(options.errorPage ?? '<html><body>tunnel: the local service is unreachable</body></html>');
    });
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let resolveDied;
  const died = new Promise((resolve) => (resolveDied = resolve));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const stop = (reason) => {
    server.close();
    for (const socket of sockets) socket.destroy();
    resolveDied(reason);
  };
  return {
    publicUrl: `http://127.0.0.1:${port}`,
    port,
    died,
    kill: () => stop('the loopback tunnel died'),
    close: async () => stop('closed'),
  };
}
