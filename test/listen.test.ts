// `thunderphone-webhooks listen` end to end, all on loopback: the fake ThunderPhone API, a real
// reverse proxy standing in for the tunnel (it changes Host and adds X-Forwarded-*), and a
// developer's app behind --forward-to. Signatures are checked here with node:crypto.
import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runListen, type ListenIO } from '../src/cli/listen.js';
import type { TunnelProvider } from '../src/tunnel/index.js';
import { startFakeApi, type FakeApi, type FakeEndpointRow } from './support/fake-api.js';
import { startLoopbackProxy } from './support/loopback-proxy.mjs';
import { loopbackTunnel, type LoopbackTunnelProvider } from './support/loopback-tunnel.js';

const TUNNEL_CLI = fileURLToPath(new URL('./support/tunnel-cli.mjs', import.meta.url));
const HOST = 'test-host';
const LABEL = `listen: ${HOST}`;

const INCOMING = '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"telephony.incoming"}';
const LEGACY_INCOMING = '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';
const COMPLETE = '{"data":{"call_id":12345678901234567890,"duration_seconds":54,"end_reason":"caller_hangup"},"type":"telephony.complete"}';
// Pretty-printed, CRLF, "\/" escapes and raw non-ASCII: any re-serialisation on the way would change these bytes.
const PRETTY =
  '{\r\n  "data": {\r\n    "call_id": 55,\r\n    "note": "http:\\/\\/x.example\\/a \\u00e9",\r\n    "name": "Zoë 東京 🚀"\r\n  },\r\n  "type": "telephony.complete"\r\n}\r\n';

const hmac = (body: string | Buffer, secret: string) => createHmac('sha256', secret).update(body).digest('hex');

interface AppRequest {
  body: Buffer;
  headers: IncomingHttpHeaders;
}

// The developer's app: records what it gets and answers like a real app would.
let app: http.Server;
let appUrl: string;
const appSeen: AppRequest[] = [];
const APP_REPLY = '{"prompt":"You are the front desk.","voice":"en-US-James1","product":"spark"}';
beforeAll(async () => {
  app = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      appSeen.push({ body, headers: req.headers });
      const type = (JSON.parse(body.toString('utf8')) as { type: string }).type;
      if (type.endsWith('.incoming')) res.writeHead(200, { 'content-type': 'application/json' }).end(APP_REPLY);
      else if (type === 'call.graded') res.writeHead(500, { 'content-type': 'text/plain' }).end('database down');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"stored":true}');
    });
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  await new Promise((r) => app.close(r));
});

let api: FakeApi;
let tunnel: LoopbackTunnelProvider;
beforeEach(async () => {
  api = await startFakeApi();
  tunnel = loopbackTunnel();
  appSeen.length = 0;
});
afterEach(async () => {
  await api.close();
});

interface Listening {
  signals: EventEmitter;
  done: Promise<number>;
  stderr(): string;
  stdout(): string;
  secret(): string | undefined;
  endpoint(): FakeEndpointRow;
}

async function listen(argv: string[], extra: Partial<ListenIO> & { tty?: boolean; waitFor?: RegExp } = {}): Promise<Listening> {
  const signals = new EventEmitter();
  let stderr = '';
  let stdout = '';
  const io: ListenIO = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: Object.assign({ write: (chunk: string) => (stderr += chunk) }, extra.tty ? { isTTY: true } : {}),
    env: { THUNDERPHONE_API_URL: api.url, THUNDERPHONE_API_KEY: api.apiKey },
    cwd: process.cwd(),
    signals,
    // The loopback proxy stands in for ngrok, the default tunnel.
    tunnels: { ngrok: tunnel },
    hostname: HOST,
    ...extra,
  };
  let settled = false;
  const done = runListen(argv, io).finally(() => (settled = true));
  const until = extra.waitFor ?? /ready: waiting for deliveries/;
  await waitFor(() => until.test(stderr) || settled, `listen to print ${until}`);
  return {
    signals,
    done,
    stderr: () => stderr,
    stdout: () => stdout,
    secret: () => /THUNDERPHONE_WEBHOOK_SECRET\): (whsec_\S+)/.exec(stderr)?.[1],
    endpoint: () => {
      expect(api.state.endpoints).toHaveLength(1);
      return api.state.endpoints[0] as FakeEndpointRow;
    },
  };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('listen with the loopback tunnel and the fake API', () => {
  it('creates the labelled endpoint for the tunnel URL, and deletes it on SIGINT (exit 0)', async () => {
    const l = await listen(['--events', 'telephony.incoming,telephony.complete']);
    const endpoint = l.endpoint();
    expect(endpoint.label).toBe(LABEL);
    expect(endpoint.url).toBe(`${tunnel.current?.publicUrl}/thunderphone-webhook`);
    expect(endpoint.events).toEqual(['telephony.incoming', 'telephony.complete']);
    expect(l.stderr()).toContain('self-test passed');
    // No --forward-to: the secret is not printed at all.
    expect(l.stderr()).not.toContain(endpoint.secret);

    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);
    expect(api.state.endpoints).toHaveLength(0);
    expect(api.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/v1/developer/webhook-endpoints/${endpoint.id}`]);
    expect(l.stderr()).toContain(`deleted the temporary webhook endpoint ${endpoint.id}`);
  });

  it('SIGTERM cleans up the same way', async () => {
    const l = await listen([]);
    l.endpoint();
    l.signals.emit('SIGTERM', 'SIGTERM');
    expect(await l.done).toBe(0);
    expect(api.state.endpoints).toHaveLength(0);
  });

  it('forwards the exact bytes (pretty JSON, \\/ escapes, non-ASCII) with a signature that verifies with the one-time secret', async () => {
    const l = await listen(['--forward-to', appUrl]);
    const endpoint = l.endpoint();
    // The secret is printed once, for the app, and it is the endpoint's one-time secret.
    expect(l.secret()).toBe(endpoint.secret);
    expect(l.stderr().split(endpoint.secret)).toHaveLength(2);

    const delivered = await api.deliver({ endpointId: endpoint.id }, PRETTY);
    expect(delivered.status).toBe(200);
    expect(delivered.body.toString('utf8')).toBe('{"stored":true}');
    const got = appSeen.at(-1) as AppRequest;
    expect(got.body.equals(Buffer.from(PRETTY, 'utf8'))).toBe(true);
    expect(got.headers['x-thunderphone-signature']).toBe(hmac(got.body, l.secret() as string));
    // It went through the proxy, which changed Host; the forward then targets the app itself.
    expect(got.headers['x-forwarded-host']).toBe(new URL(tunnel.current?.publicUrl as string).host);
    expect(got.headers.host).toBe(new URL(appUrl).host);
    // The event is printed on stdout, and one line on stderr with its type, call_id and status.
    expect(l.stdout()).toContain('"name": "Zoë 東京 🚀"');
    expect(l.stderr()).toMatch(/\d\d:\d\d:\d\d {2}telephony\.complete\s+call_id 55\s+200\s+\d+ ms/);

    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);
  });

  it("relays the app's telephony.incoming reply to the sender, byte for byte and within the budget", async () => {
    const l = await listen(['--forward-to', appUrl]);
    const delivered = await api.deliver({ endpointId: l.endpoint().id }, INCOMING, { timeoutMs: 2000 });
    expect(delivered.status).toBe(200);
    expect(delivered.body.toString('utf8')).toBe(APP_REPLY);
    expect(delivered.latencyMs).toBeLessThan(2000);
    expect(appSeen.at(-1)?.body.toString('utf8')).toBe(INCOMING);
    expect(l.stderr()).toMatch(/telephony\.incoming\s+call_id 987654321\s+200\s+\d+ ms/);

    // 64-bit call ids are shown with their exact digits.
    await api.deliver({ endpointId: l.endpoint().id }, COMPLETE);
    expect(l.stderr()).toMatch(/telephony\.complete\s+call_id 12345678901234567890\s+200/);
    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);
  });

  it("relays the app's non-2xx, and a 502 with the reason when the app is down; deliveries with a wrong signature never reach it", async () => {
    const l = await listen(['--forward-to', appUrl]);
    const endpoint = l.endpoint();
    const graded = await api.deliver({ endpointId: endpoint.id }, '{"data":{"call_id":42},"type":"call.graded"}');
    expect(graded.status).toBe(500);
    expect(graded.body.toString()).toBe('database down');

    const forged = await fetch(`${endpoint.url}`, {
      method: 'POST',
      headers: { 'x-thunderphone-signature': hmac(INCOMING, 'whsec_forged') },
      body: INCOMING,
    });
    expect(forged.status).toBe(401);
    expect(appSeen).toHaveLength(1);
    expect(l.stderr()).toMatch(/refused \(invalid_signature\)\s+call_id -\s+401/);
    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((r) => closed.close(r));
    const down = await listen(['--forward-to', deadUrl]);
    const id = down.endpoint().id;
    const complete = await api.deliver({ endpointId: id }, COMPLETE);
    expect(complete.status).toBe(502);
    expect(JSON.parse(complete.body.toString()).message).toMatch(/ECONNREFUSED/);
    const incoming = await api.deliver({ endpointId: id }, INCOMING);
    expect(incoming.body.toString()).toBe('{}');
    expect(down.stderr()).toMatch(/telephony\.complete .* 502 .*! could not forward telephony\.complete/);
    down.signals.emit('SIGINT', 'SIGINT');
    expect(await down.done).toBe(0);
  });

  it('a dead tunnel triggers the cleanup: the endpoint is deleted and the exit code is 1', async () => {
    const l = await listen([]);
    const endpoint = l.endpoint();
    tunnel.current?.kill();
    expect(await l.done).toBe(1);
    expect(l.stderr()).toContain('the tunnel stopped (the loopback tunnel died)');
    expect(api.state.endpoints).toHaveLength(0);
    expect(l.stderr()).toContain(`deleted the temporary webhook endpoint ${endpoint.id}`);
  });

  it('a tunnel CLI (--tunnel command) that dies: cleanup and exit 1', async () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(TUNNEL_CLI)} {port} --die-after 1500`;
    const l = await listen(['--tunnel-command', command], { tunnels: {} });
    expect(l.endpoint().url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/thunderphone-webhook$/);
    expect(await l.done).toBe(1);
    expect(l.stderr()).toContain('the tunnel command exited (code 3)');
    expect(api.state.endpoints).toHaveLength(0);
  });

  it('a failed cleanup says so, exits 1, and the next start offers to remove the leftover', async () => {
    const l = await listen([]);
    const endpoint = l.endpoint();
    api.failNext(4, { kind: 'status', status: 503 }, { method: 'DELETE' });
    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(1);
    expect(l.stderr()).toContain('cleanup FAILED');
    expect(api.state.endpoints).toHaveLength(1);

    const asked: string[] = [];
    const declined = await listen([], { ask: async (q) => (asked.push(q), 'n') });
    expect(asked).toHaveLength(1);
    expect(declined.stderr()).toContain(`1 webhook endpoint labelled "${LABEL}" is left over`);
    expect(declined.stderr()).toContain(endpoint.id);
    expect(api.state.endpoints.map((e) => e.id)).toContain(endpoint.id);
    declined.signals.emit('SIGINT', 'SIGINT');
    expect(await declined.done).toBe(0);

    const again = await listen([], { ask: async () => 'y' });
    expect(again.stderr()).toContain(`removed left-over endpoint ${endpoint.id}`);
    expect(api.state.endpoints.map((e) => e.id)).not.toContain(endpoint.id);
    expect(api.state.endpoints).toHaveLength(1); // its own
    again.signals.emit('SIGINT', 'SIGINT');
    expect(await again.done).toBe(0);
    expect(api.state.endpoints).toHaveLength(0);
  });

  it('--remove-leftovers removes them without asking; endpoints of other labels are left alone', async () => {
    const other = { id: 'keep-me', label: 'Production', url: 'https://example.com/hook', events: [], status: 'active', secret_hint: 'x', created_at: '', updated_at: '', secret: 'whsec_x' };
    const stale = { ...other, id: 'stale-one', label: LABEL, url: 'https://dead.example/thunderphone-webhook' };
    api.state.endpoints.push(other, stale);
    const l = await listen(['--remove-leftovers'], { ask: async () => { throw new Error('must not ask'); } });
    expect(l.stderr()).toContain('removed left-over endpoint stale-one');
    expect(api.state.endpoints.map((e) => e.id)).toContain('keep-me');
    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);
    expect(api.state.endpoints.map((e) => e.id)).toEqual(['keep-me']);
  });

  it('a leftover at the very URL this run registers is removed without asking: it would double every delivery', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const origin = `http://127.0.0.1:${port}`;
    const base = { label: LABEL, events: [], status: 'active', secret_hint: 'x', created_at: '', updated_at: '', secret: 'whsec_x' };
    api.state.endpoints.push({ ...base, id: 'same-url', url: `${origin}/thunderphone-webhook` }, { ...base, id: 'other-url', url: 'https://dead.example/thunderphone-webhook' });
    const asked: string[] = [];
    const l = await listen(['--tunnel', 'none', '--public-url', origin, '--port', String(port)], { ask: async (q) => (asked.push(q), 'n') });
    expect(l.stderr()).toContain('removed left-over endpoint same-url');
    expect(asked).toHaveLength(1); // only about the other one
    expect(api.state.endpoints.map((e) => e.id)).toContain('other-url');
    expect(api.state.endpoints.filter((e) => e.url === `${origin}/thunderphone-webhook`)).toHaveLength(1); // its own
    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);
    expect(api.state.endpoints.map((e) => e.id)).toEqual(['other-url']);
  });

  it('the self-test reports a tunnel interstitial page as such, with the fix, and cleans up', async () => {
    // A tunnel that answers every request with its own HTML warning page.
    const interstitial: TunnelProvider = {
      name: 'interstitial',
      async start() {
        const page = http.createServer((req, res) => {
          req.resume();
          res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>You are about to visit...</body></html>');
        });
        await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
        return { publicUrl: `http://127.0.0.1:${(page.address() as AddressInfo).port}`, close: () => new Promise((r) => page.close(() => r())) };
      },
    };
    const l = await listen([], { tunnels: { ngrok: interstitial } });
    expect(await l.done).toBe(1);
    expect(l.stderr()).toContain('answered the self-test with an HTML page');
    expect(l.stderr()).toContain('interstitial');
    expect(l.stderr()).toMatch(/Fix: use a tunnel without one/);
    expect(api.state.endpoints).toHaveLength(0);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('the self-test goes through the proxy with a signature checked by the receiver', async () => {
    const l = await listen([]);
    // A self-test with a forged signature gets 401 from the gate: the check is real.
    const forged = await fetch(l.endpoint().url, {
      method: 'POST',
      headers: { 'x-thunderphone-webhooks-self-test': 'abc', 'x-thunderphone-signature': hmac('{}', 'whsec_no') },
      body: '{}',
    });
    expect(forged.status).toBe(401);
    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);
  });

  it('a blocking reply slower than 2 s is flagged on its line (and {} was sent at the deadline)', async () => {
    const slow = http.createServer((req, res) => {
      req.resume();
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(APP_REPLY), 2500);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const l = await listen(['--forward-to', `http://127.0.0.1:${(slow.address() as AddressInfo).port}/`, '--deadline-ms', '2200']);
      const delivered = await api.deliver({ endpointId: l.endpoint().id }, INCOMING);
      expect(delivered.body.toString()).toBe('{}');
      expect(l.stderr()).toMatch(/telephony\.incoming .*! no reply from your app before the blocking deadline.*! slow: the reply took over 2 s/);
      l.signals.emit('SIGINT', 'SIGINT');
      expect(await l.done).toBe(0);
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });

  it('colours only on a TTY, and never with NO_COLOR', async () => {
    const env = { THUNDERPHONE_API_URL: api.url, THUNDERPHONE_API_KEY: api.apiKey };
    for (const [tty, noColor, expectColour] of [
      [true, undefined, true],
      [true, '1', false],
      [false, undefined, false],
    ] as const) {
      const l = await listen([], { tty, env: { ...env, ...(noColor ? { NO_COLOR: noColor } : {}) } });
      await api.deliver({ endpointId: l.endpoint().id }, COMPLETE);
      const line = l.stderr().split('\n').find((x) => x.includes('telephony.complete')) ?? '';
      expect(line.includes('\u001b['), `tty=${tty} NO_COLOR=${noColor}`).toBe(expectColour);
      l.signals.emit('SIGINT', 'SIGINT');
      expect(await l.done).toBe(0);
    }
  });
});

describe('listen --handlers', () => {
  it('handles events with a handlers module: its reply goes back, its failure is a 500 and is logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'listen-handlers-'));
    const file = join(dir, 'handlers.mjs');
    writeFileSync(
      file,
      `export default {
        'telephony.incoming': (event) => ({ prompt: 'Handled call ' + event.data.call_id, voice: 'en-US-Ava' }),
        'call.graded': () => { throw new Error('grades table missing'); },
      };`,
    );
    try {
      const l = await listen(['--handlers', file]);
      const id = l.endpoint().id;
      const incoming = await api.deliver({ endpointId: id }, INCOMING);
      expect(JSON.parse(incoming.body.toString())).toEqual({ prompt: 'Handled call 987654321', voice: 'en-US-Ava' });
      const graded = await api.deliver({ endpointId: id }, '{"data":{"call_id":42},"type":"call.graded"}');
      expect(graded.status).toBe(500);
      expect(l.stderr()).toMatch(/call\.graded\s+call_id 42\s+500/);
      expect(l.stderr()).toMatch(/error: handler for call\.graded failed .*grades table missing/);
      // Unhandled types are acknowledged and printed.
      expect((await api.deliver({ endpointId: id }, COMPLETE)).status).toBe(200);
      expect(l.stdout().trimEnd().split('\n')).toHaveLength(3);
      l.signals.emit('SIGINT', 'SIGINT');
      expect(await l.done).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listen: other tunnels and start-up stops', () => {
  it('--tunnel none uses --public-url for a tunnel already running to --port', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const proxy = await startLoopbackProxy(port);
    try {
      const l = await listen(['--tunnel', 'none', '--public-url', `${proxy.publicUrl}/`, '--port', String(port), '--forward-to', appUrl], { tunnels: {} });
      const endpoint = l.endpoint();
      expect(endpoint.url).toBe(`${proxy.publicUrl}/thunderphone-webhook`);
      const delivered = await api.deliver({ endpointId: endpoint.id }, INCOMING);
      expect(delivered.body.toString()).toBe(APP_REPLY);
      expect(appSeen.at(-1)?.headers['x-forwarded-proto']).toBe('https');
      l.signals.emit('SIGINT', 'SIGINT');
      expect(await l.done).toBe(0);
      expect(api.state.endpoints).toHaveLength(0);
    } finally {
      await proxy.close();
    }
  });

  it('a stop signal while starting: nothing is registered, the tunnel is closed, exit 0', async () => {
    let signals: EventEmitter | undefined;
    let closed = 0;
    const stopping: TunnelProvider = {
      name: 'stopping',
      async start(localPort) {
        const started = await tunnel.start(localPort);
        signals?.emit('SIGINT', 'SIGINT');
        return { ...started, close: async () => void (closed += 1, await started.close()) };
      },
    };
    const emitter = new EventEmitter();
    signals = emitter;
    const l = await listen([], { tunnels: { ngrok: stopping }, signals: emitter, waitFor: /stopped/ });
    expect(await l.done).toBe(0);
    expect(l.stderr()).toContain('received SIGINT while starting');
    expect(closed).toBe(1);
    expect(api.state.endpoints).toHaveLength(0);
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('listen --legacy', () => {
  it('refuses without --replace-legacy-webhook, before any request', async () => {
    api.state.webhook = { url: 'https://prod.example.com/hook', secret: 'whsec_prod', created_at: '', updated_at: '' };
    const l = await listen(['--legacy']);
    expect(await l.done).toBe(2);
    expect(l.stderr()).toContain('ROTATES its secret');
    expect(l.stderr()).toContain('--replace-legacy-webhook');
    expect(api.requests).toHaveLength(0);
    expect(api.state.webhook.secret).toBe('whsec_prod');
  });

  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'listen-state-'));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('with consent: points the legacy URL here, relays the call.incoming reply, and puts the previous URL back on exit', async () => {
    api.state.webhook = { url: 'https://prod.example.com/hook', secret: 'whsec_prod', created_at: '', updated_at: '' };
    const l = await listen(['--legacy', '--replace-legacy-webhook', '--forward-to', appUrl], { stateDir });
    // While it runs, the URL to put back is on disk, in case this process dies.
    expect(JSON.parse(readFileSync(join(stateDir, 'listen-legacy.json'), 'utf8')).previousUrl).toBe('https://prod.example.com/hook');
    expect(api.state.webhook.url).toBe(`${tunnel.current?.publicUrl}/thunderphone-webhook`);
    expect(l.secret()).toBe(api.state.webhook.secret);
    expect(api.state.endpoints).toHaveLength(0);

    const delivered = await api.deliver('legacy', LEGACY_INCOMING, { timeoutMs: 2000 });
    expect(delivered.body.toString()).toBe(APP_REPLY);
    expect(appSeen.at(-1)?.headers['x-thunderphone-signature']).toBe(hmac(LEGACY_INCOMING, l.secret() as string));

    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);
    expect(api.state.webhook.url).toBe('https://prod.example.com/hook');
    expect(l.stderr()).toContain('ThunderPhone issued a NEW secret');
    expect(existsSync(join(stateDir, 'listen-legacy.json'))).toBe(false);
  });

  it('after a crashed --legacy run, restores the URL that run replaced, not its dead tunnel', async () => {
    const dead = 'https://dead-tunnel.example/thunderphone-webhook';
    api.state.webhook = { url: dead, secret: 'whsec_rotated', created_at: '', updated_at: '' };
    writeFileSync(join(stateDir, 'listen-legacy.json'), JSON.stringify({ apiUrl: api.url, tunnelUrl: dead, previousUrl: 'https://prod.example.com/hook' }));
    const l = await listen(['--legacy', '--replace-legacy-webhook'], { stateDir });
    expect(l.stderr()).toContain('an earlier "listen --legacy" did not put the legacy webhook URL back');
    l.signals.emit('SIGINT', 'SIGINT');
    expect(await l.done).toBe(0);
    expect(api.state.webhook.url).toBe('https://prod.example.com/hook');
  });
});

describe('listen usage errors', () => {
  it.each([
    [['--events', 'call.incoming'], /legacy webhook URL's name; webhook endpoints deliver it as telephony\.incoming/],
    [['--events', 'telephony.incomming'], /unknown event type "telephony\.incomming"/],
    [['--tunnel', 'none'], /--tunnel none needs --public-url/],
    [['--tunnel', 'command'], /needs --tunnel-command/],
    [['--tunnel-command', 'cloudflared'], /must contain \{port\}/],
    [['--public-url', 'https://x.example', '--tunnel', 'ngrok'], /--public-url only goes with --tunnel none/],
    [['--handlers', 'h.mjs', '--forward-to', 'http://127.0.0.1:1/'], /cannot be used together/],
    [['--legacy', '--replace-legacy-webhook', '--events', 'call.graded'], /--events does not apply to --legacy/],
  ])('%j exits 2 with one line', async (argv, message) => {
    const l = await listen(argv as string[]);
    expect(await l.done).toBe(2);
    expect(l.stderr().trimEnd().split('\n')).toHaveLength(1);
    expect(l.stderr()).toMatch(message);
    expect(api.requests).toHaveLength(0);
  });

  it('no API key: exit 2 before anything starts', async () => {
    const l = await listen([], { env: {} });
    expect(await l.done).toBe(2);
    expect(l.stderr()).toContain('THUNDERPHONE_API_KEY');
    expect(tunnel.started).toBe(0);
  });

  it('ngrok without @ngrok/ngrok installed: a clear message, nothing registered', async () => {
    const l = await listen([], { tunnels: {}, env: { THUNDERPHONE_API_URL: api.url, THUNDERPHONE_API_KEY: api.apiKey, NGROK_AUTHTOKEN: 't' } });
    expect(await l.done).toBe(1);
    expect(l.stderr()).toContain('needs the optional package @ngrok/ngrok');
    expect(api.requests).toHaveLength(0);
  });
});

