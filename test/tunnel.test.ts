import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandTunnel, findPublicUrl, ngrokTunnel, noTunnel, TunnelError, type Tunnel } from '../src/tunnel/index.js';
import { PUBLIC_HOST } from './support/loopback-proxy.mjs';

const TUNNEL_CLI = fileURLToPath(new URL('./support/tunnel-cli.mjs', import.meta.url));
const node = JSON.stringify(process.execPath);
const cli = JSON.stringify(TUNNEL_CLI);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TunnelError);
  expect((error as Error).message).not.toMatch(/\n/);
  return error as Error;
}

describe('findPublicUrl', () => {
  it('skips links to the tool and the local address, takes the tunnel URL', () => {
    expect(findPublicUrl('Terms: https://www.cloudflare.com/website-terms/', 3000)).toBeUndefined();
    expect(findPublicUrl('INF --url http://localhost:3000', 3000)).toBeUndefined();
    expect(findPublicUrl('|  https://sweet-fox.trycloudflare.com  |', 3000)).toBe('https://sweet-fox.trycloudflare.com');
    expect(findPublicUrl('your url is: https://abc.loca.lt.', 3000)).toBe('https://abc.loca.lt');
  });

  it('skips links with a path or query (docs, dashboards of any tool): a tunnel URL is a bare origin', () => {
    expect(findPublicUrl('Thank you for trying tunnel. See https://www.tunnel-tool.example/docs', 3000)).toBeUndefined();
    expect(findPublicUrl('Dashboard: https://app.example.dev/?session=1 | Forwarding https://quiet-owl.example.dev/', 3000)).toBe('https://quiet-owl.example.dev');
    expect(findPublicUrl('Forwarding https://quiet-owl.example.dev:8443 -> localhost:3000', 3000)).toBe('https://quiet-owl.example.dev:8443');
  });
});

describe('command tunnel (a local node script acting as a tunnel CLI)', () => {
  let app: http.Server;
  let port: number;
  const seen: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    app = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`local ${req.url}`));
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    port = (app.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => app.close(r));
  });

  it('reads the public URL from the output, proxies through it, and close() stops the process', async () => {
    const lines: string[] = [];
    const tunnel: Tunnel = await commandTunnel({ command: `${node} ${cli} {port}`, onOutput: (l) => lines.push(l) }).start(port);
    try {
      expect(tunnel.publicUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(tunnel.publicUrl).not.toContain(`:${port}`);
      expect(lines.some((l) => l.includes('website-terms'))).toBe(true);
      const response = await fetch(`${tunnel.publicUrl}/x?y=1`);
      expect(await response.text()).toBe('local /x?y=1');
      const headers = seen.at(-1) ?? {};
      expect(headers.host).toBe(PUBLIC_HOST);
      expect(headers['x-forwarded-proto']).toBe('https');
      expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    } finally {
      await tunnel.close();
    }
    expect(await tunnel.closed).toMatch(/exited/);
    await expect(fetch(`${tunnel.publicUrl}/`)).rejects.toThrow();
  });

  it('closed settles with the reason when the tunnel process dies', async () => {
    const tunnel = await commandTunnel({ command: `${node} ${cli} {port} --die-after 300` }).start(port);
    const why = await tunnel.closed;
    expect(why).toContain('the tunnel command exited (code 3)');
    expect(why).toContain('connection to the edge lost');
    await tunnel.close();
  });

  it('a command that exits before printing a URL is an error with its last output', async () => {
    const error = await rejection(commandTunnel({ command: `${node} -e "console.error('login required'); process.exit(4)" {port}` }).start(port));
    expect(error.message).toContain('exited (code 4) before printing a public URL');
    expect(error.message).toContain('login required');
  });

  it('no URL within the timeout is an error, and the process is stopped', async () => {
    const error = await rejection(commandTunnel({ command: `${node} ${cli} {port} --silent`, urlTimeoutMs: 1500 }).start(port));
    expect(error.message).toContain('printed no public URL within 1.5 s');
  });

  it('the command must say where the port goes', () => {
    expect(() => commandTunnel({ command: 'cloudflared tunnel' })).toThrow(/\{port\}/);
  });
});

describe('ngrok tunnel (@ngrok/ngrok is an optional peer and is not installed here)', () => {
  it('says how to install it when it is absent', async () => {
    const error = await rejection(ngrokTunnel({ env: { NGROK_AUTHTOKEN: 'tok_123' } }).start(3000));
    expect(error.message).toContain('needs the optional package @ngrok/ngrok, which is not installed');
    expect(error.message).toContain('npm install --save-dev @ngrok/ngrok');
  });

  it('says the native add-on failed when loading throws something else, without the token', async () => {
    const load = async () => {
      throw new Error('/x/ngrok.linux-x64-gnu.node: invalid ELF header tok_123');
    };
    const error = await rejection(ngrokTunnel({ env: { NGROK_AUTHTOKEN: 'tok_123' }, load }).start(3000));
    expect(error.message).toContain('installed but could not be loaded');
    expect(error.message).toContain('native add-on');
  });

  it('needs NGROK_AUTHTOKEN, and passes it with the port to forward()', async () => {
    expect((await rejection(ngrokTunnel({ env: {} }).start(3000))).message).toContain('NGROK_AUTHTOKEN');
    const calls: unknown[] = [];
    let closed = 0;
    const fake = {
      forward: async (config: unknown) => {
        calls.push(config);
        return { url: () => 'https://a1b2.ngrok-free.app', close: async () => void (closed += 1) };
      },
    };
    const tunnel = await ngrokTunnel({ env: { NGROK_AUTHTOKEN: 'tok_abc' }, load: async () => fake }).start(4321);
    expect(tunnel.publicUrl).toBe('https://a1b2.ngrok-free.app');
    expect(calls).toEqual([{ addr: 4321, authtoken: 'tok_abc', proto: 'http' }]);
    await tunnel.close();
    await tunnel.close();
    expect(closed).toBe(1);
  });
});

describe('none tunnel', () => {
  it('uses --public-url as given, without a trailing slash', async () => {
    expect((await noTunnel('https://my.tunnel.example/').start(1)).publicUrl).toBe('https://my.tunnel.example');
    expect((await rejection(noTunnel('ftp://x').start(1))).message).toContain('https');
  });
});
