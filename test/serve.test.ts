// `thunderphone-webhooks serve`, run as the built CLI in a child process (build first: npm run build).
// Requests are signed here with node:crypto, independently of the library.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateAgentConfig } from '../src/core/agent-config.js';
import { runServe, startServer, type RunningServer } from '../src/cli/serve.js';
import { createReceiver } from '../src/core/create-receiver.js';
import { silentLogger } from '../src/core/logger.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const SECRET = 'whsec_serve_test_secret';

const INCOMING = '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';
const COMPLETE =
  '{"data":{"billable_minutes":1,"billing_total_cents":8,"call_id":987654321,"duration_seconds":54,"end_reason":"caller_hangup",' +
  '"from_number":"+14155550199","to_number":"+15551234567","transcripts":[{"content":"Hi","role":"user"},{"content":"Hello!","role":"assistant"},{"content":"Bye","role":"user"}]},' +
  '"event_id":"evt_complete_1","type":"call.complete"}';
const GRADED = '{"data":{"call_id":42},"event_id":"evt_graded","type":"call.graded"}';
// What a forwarding tool that reformats JSON would produce: CRLF, indentation, "\/" escapes.
const PRETTY_INCOMING =
  '{\r\n  "data": {\r\n    "call_id": 55,\r\n    "from_number": "+14155550100",\r\n    "note": "a\\/b",\r\n    "to_number": "+15551234567"\r\n  },\r\n  "type": "call.incoming"\r\n}\r\n';

function hmac(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no keep-alive pool, so refused connections are visible). */
function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function deliver(url: string, body: string, secret: string = SECRET, headers: Record<string, string> = {}): Promise<Reply> {
  return request(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-thunderphone-signature': hmac(body, secret), ...headers },
  });
}

interface Served {
  child: ChildProcess;
  url: string;
  origin: string;
  stdout(): string;
  stderr(): string;
  stdoutLines(): string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.THUNDERPHONE_WEBHOOK_SECRET;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

// stderr is a pipe here, where serve's default is JSON lines; these tests read the pretty text
// (the --log tests below read the JSON).
const PRETTY = ['--log', 'pretty'];

/** Runs the CLI to completion (for commands that should exit at once). */
function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const pretty = args[0] === 'serve' && !args.includes('--log') ? PRETTY : [];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args, ...pretty], { cwd: ROOT, env: cleanEnv(env) });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `serve` with --port 0 and waits for its `listening on` line. */
function serve(args: string[], env: Record<string, string | undefined> = {}): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...(args.includes('--log') ? [] : PRETTY), ...args], { cwd: ROOT, env: cleanEnv(env) });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /^listening on (http:\/\/\S+)$/m.exec(err);
      if (m) {
        const url = m[1] as string;
        resolve({
          child,
          url,
          origin: new URL(url).origin,
          stdout: () => out,
          stderr: () => err,
          stdoutLines: () => out.split('\n').filter((l) => l !== ''),
          exited,
        });
      }
    });
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening:\n${err}`)));
  });
}

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Servers a test starts die with the test; a describe block's shared server is killed in its afterAll.
const shared = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) if (!shared.has(child)) child.kill('SIGKILL');
});

const tempDirs: string[] = [];
function tempModule(name: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tp-serve-'));
  tempDirs.push(dir);
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('serve with no handlers', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve(['--secret', SECRET]);
    shared.add(s.child);
  });
  afterAll(() => {
    s.child.kill('SIGKILL');
    shared.delete(s.child);
  });

  it('prints the listening line with the real bound port', () => {
    const url = new URL(s.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBeGreaterThan(0);
    expect(url.pathname).toBe('/thunderphone-webhook');
  });

  it('answers GET /healthz with 200 {"ok":true}', async () => {
    const r = await request(`${s.origin}/healthz`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true });
  });

  it('acknowledges a signed call.complete and prints exactly its raw body as one stdout line', async () => {
    const r = await deliver(s.url, COMPLETE);
    expect(r.status).toBe(200);
    await waitFor(() => s.stdoutLines().includes(COMPLETE), 'the event line');
    expect(s.stdoutLines().filter((l) => l === COMPLETE)).toHaveLength(1);
  });

  it('answers a blocking event with {} (static agent) and prints it', async () => {
    const r = await deliver(s.url, INCOMING);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body).toBe('{}');
    await waitFor(() => s.stdoutLines().includes(INCOMING), 'the incoming line');
  });

  it('refuses a bad signature with 401 and prints nothing for it', async () => {
    const forged = '{"data":{"call_id":666},"event_id":"evt_forged","type":"call.complete"}';
    const r = await deliver(s.url, forged, 'whsec_not_the_secret');
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error).toBe('invalid_signature');
    // A later good delivery is printed, so stdout is flowing; the forged one never appears.
    const marker = '{"data":{"call_id":667},"event_id":"evt_marker","type":"call.complete"}';
    expect((await deliver(s.url, marker)).status).toBe(200);
    await waitFor(() => s.stdoutLines().includes(marker), 'the marker line');
    expect(s.stdout()).not.toContain('evt_forged');
  });

  it('answers GET on the webhook path with 405 and Allow: POST', async () => {
    const r = await request(s.url);
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('POST');
    expect(JSON.parse(r.body).error).toBe('method_not_allowed');
  });

  it('answers an unknown path with a JSON 404', async () => {
    const r = await deliver(`${s.origin}/somewhere-else`, COMPLETE);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error).toBe('not_found');
  });

  it('prints a pretty-printed CRLF body as one line: the same bytes minus CR and LF, still the same JSON', async () => {
    const r = await deliver(s.url, PRETTY_INCOMING);
    expect(r.status).toBe(200);
    const expected = PRETTY_INCOMING.replace(/[\r\n]/g, '');
    await waitFor(() => s.stdoutLines().includes(expected), 'the pretty event line');
    expect(JSON.parse(expected)).toEqual(JSON.parse(PRETTY_INCOMING));
  });

  it('never writes the configured secret to stderr or stdout', () => {
    expect(s.stderr()).not.toContain(SECRET);
    expect(s.stdout()).not.toContain(SECRET);
  });
});

describe('serve secrets', () => {
  it('accepts both secrets from a comma-separated THUNDERPHONE_WEBHOOK_SECRET', async () => {
    const [a, b] = ['whsec_rotation_old_1111', 'whsec_rotation_new_2222'];
    const s = await serve([], { THUNDERPHONE_WEBHOOK_SECRET: `${a},${b}` });
    const first = '{"data":{"call_id":1},"event_id":"evt_a","type":"call.graded"}';
    const second = '{"data":{"call_id":2},"event_id":"evt_b","type":"call.graded"}';
    expect((await deliver(s.url, first, a)).status).toBe(200);
    expect((await deliver(s.url, second, b)).status).toBe(200);
    expect((await deliver(s.url, GRADED, 'whsec_neither')).status).toBe(401);
    await waitFor(() => s.stdoutLines().length === 2, 'two event lines');
    expect(s.stdoutLines()).toEqual([first, second]);
    expect(s.stderr()).not.toContain(a);
    expect(s.stderr()).not.toContain(b);
    expect(s.stderr()).not.toContain('development secret');
  });

  it('--secret flags win over the environment', async () => {
    const s = await serve(['--secret', SECRET], { THUNDERPHONE_WEBHOOK_SECRET: 'whsec_from_env' });
    expect((await deliver(s.url, GRADED, SECRET)).status).toBe(200);
    expect((await deliver(s.url, GRADED, 'whsec_from_env')).status).toBe(401);
  });

  it('with no secret, generates and prints a development secret that then verifies, and a trigger command with the real URL', async () => {
    const s = await serve([]);
    await waitFor(() => s.stderr().includes('npx thunderphone-webhooks trigger'), 'the dev secret notice');
    const m = /dev secret: (whsec_dev_[A-Za-z0-9_-]{24})$/m.exec(s.stderr());
    expect(m).not.toBeNull();
    const devSecret = (m as RegExpExecArray)[1] as string;
    expect(s.stderr()).toMatch(/DEVELOPMENT secret/);
    expect(s.stderr()).toMatch(/not for production|never for production/);
    expect(s.stderr()).toContain(`npx thunderphone-webhooks trigger call.incoming --url ${s.url} --secret ${devSecret}`);
    expect((await deliver(s.url, INCOMING, devSecret)).status).toBe(200);
    expect((await deliver(s.url, INCOMING, 'whsec_dev_guessedguessedguessedgues')).status).toBe(401);
    await waitFor(() => s.stdoutLines().length === 1, 'one event line');
    expect(s.stdoutLines()).toEqual([INCOMING]);
  });

  it('the printed trigger command works as printed (with the built CLI in place of npx)', async () => {
    const s = await serve([]);
    await waitFor(() => s.stderr().includes('npx thunderphone-webhooks trigger'), 'the trigger command');
    const line = (/npx thunderphone-webhooks (trigger .*)$/m.exec(s.stderr()) as RegExpExecArray)[1] as string;
    const r = await runCli(line.split(' '));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/status: 200/);
    await waitFor(() => s.stdoutLines().length === 1, 'the triggered event');
    expect(JSON.parse(s.stdoutLines()[0] as string).type).toBe('call.incoming');
  });

  it('generates a different development secret on each start', async () => {
    const [s1, s2] = await Promise.all([serve([]), serve([])]);
    await waitFor(() => /dev secret:/.test(s1.stderr()) && /dev secret:/.test(s2.stderr()), 'dev secrets');
    const pick = (s: Served) => /dev secret: (\S+)/.exec(s.stderr())?.[1];
    expect(pick(s1)).not.toBe(pick(s2));
  });

  it('refuses an empty THUNDERPHONE_WEBHOOK_SECRET at start-up with one line and no stack trace', async () => {
    const r = await runCli(['serve', '--port', '0'], { THUNDERPHONE_WEBHOOK_SECRET: '' });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/THUNDERPHONE_WEBHOOK_SECRET is set but empty/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain('listening on');
    expect(r.stdout).toBe('');
  });

  it('trims spaces and tabs around each entry of THUNDERPHONE_WEBHOOK_SECRET: list formatting is not part of a secret', async () => {
    const [a, b] = ['whsec_rotation_old_3333', 'whsec_rotation_new_4444'];
    const s = await serve([], { THUNDERPHONE_WEBHOOK_SECRET: `${a}, \t${b} ` });
    expect((await deliver(s.url, GRADED, a)).status).toBe(200);
    expect((await deliver(s.url, GRADED, b)).status).toBe(200);
    // No start-up warning about whitespace in a secret: there is none left.
    expect(s.stderr()).not.toMatch(/warn/);
    expect((await deliver(s.url, GRADED, ` ${b}`)).status).toBe(401);
  });

  it('an entry that is empty once trimmed is still refused', async () => {
    const r = await runCli(['serve', '--port', '0'], { THUNDERPHONE_WEBHOOK_SECRET: 'whsec_a,  ,whsec_b' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('thunderphone-webhooks serve: THUNDERPHONE_WEBHOOK_SECRET has an empty entry (#2); separate several secrets with single commas (see --help)\n');
  });

  it('a --secret flag is kept exactly as given, spaces included', async () => {
    const s = await serve(['--secret', ` ${SECRET}`]);
    expect((await deliver(s.url, GRADED, ` ${SECRET}`)).status).toBe(200);
    expect((await deliver(s.url, GRADED, SECRET)).status).toBe(401);
  });

  it('refuses an empty entry in a comma-separated secret list', async () => {
    const r = await runCli(['serve', '--port', '0'], { THUNDERPHONE_WEBHOOK_SECRET: 'whsec_a,' });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/empty entry \(#2\)/);
    expect(r.stderr).not.toContain('whsec_a');
  });
});

describe('serve --handlers', () => {
  it('answers call.incoming with the example agent configuration', async () => {
    const s = await serve(['--secret', SECRET, '--handlers', './examples/handlers.mjs']);
    const r = await deliver(s.url, INCOMING);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const config = JSON.parse(r.body) as Record<string, unknown>;
    const checked = validateAgentConfig(config);
    expect(checked).toEqual({ ok: true, value: config });
    expect(config.prompt).toEqual(expect.stringContaining('+14155550199'));
    expect(typeof config.voice).toBe('string');

    const telephony = INCOMING.replace('call.incoming', 'telephony.incoming');
    const t = await deliver(s.url, telephony);
    expect(validateAgentConfig(JSON.parse(t.body)).ok).toBe(true);
    expect(JSON.parse(t.body)).toEqual(config);

    // call.complete: acknowledged, summary logged to stderr from the event's own numbers.
    expect((await deliver(s.url, COMPLETE)).status).toBe(200);
    await waitFor(() => s.stderr().includes('call 987654321 ended'), 'the summary');
    expect(s.stderr()).toMatch(/call 987654321 ended \(caller_hangup\): 54 s, 1 billable min, \$0\.08, 3 transcript turns, 0 tool calls/);

    // The '*' fallback takes types without a handler of their own.
    expect((await deliver(s.url, GRADED)).status).toBe(200);
    await waitFor(() => s.stderr().includes('received call.graded'), 'the fallback log');

    // Every verified event is printed, handled or not.
    await waitFor(() => s.stdoutLines().length === 4, 'four event lines');
    expect(s.stdoutLines()).toEqual([INCOMING, telephony, COMPLETE, GRADED]);
    expect(s.stderr()).toMatch(/handlers from \.\/examples\/handlers\.mjs: call\.incoming, telephony\.incoming, call\.complete, \*/);
  });

  it('supports a setup function (receiver) => void; types it does not handle are printed and acknowledged', async () => {
    const file = tempModule(
      'setup.mjs',
      `export default function (receiver) {
         receiver.on('call.incoming', (event) => ({ prompt: 'Hello ' + event.data.from_number, voice: 'en-US-James1' }));
         receiver.on('call.graded', () => { throw new Error('grading store is down'); });
       }`,
    );
    const s = await serve(['--secret', SECRET, '--handlers', file]);
    const r = await deliver(s.url, INCOMING);
    expect(JSON.parse(r.body)).toEqual({ prompt: 'Hello +14155550199', voice: 'en-US-James1' });
    // A failing non-blocking handler is a 500, so ThunderPhone retries.
    const failed = await deliver(s.url, GRADED);
    expect(failed.status).toBe(500);
    expect(failed.body).not.toContain('grading store is down');
    // No handler and no '*' in the module: acknowledged and printed.
    expect((await deliver(s.url, COMPLETE)).status).toBe(200);
    await waitFor(() => s.stdoutLines().length === 3, 'three lines');
    expect(s.stdoutLines()).toEqual([INCOMING, GRADED, COMPLETE]);
  });

  it('sends {} when a blocking handler misses --deadline-ms, before the handler finishes', async () => {
    const file = tempModule(
      'slow-incoming.mjs',
      `export const handlers = {
         'call.incoming': async () => { await new Promise((r) => setTimeout(r, 3000)); return { prompt: 'late', voice: 'v' }; },
       };`,
    );
    const s = await serve(['--secret', SECRET, '--handlers', file, '--deadline-ms', '300']);
    const started = Date.now();
    const r = await deliver(s.url, INCOMING);
    expect(r.status).toBe(200);
    expect(r.body).toBe('{}');
    expect(Date.now() - started).toBeLessThan(2500);
    expect(s.stderr()).toMatch(/missed the 300 ms deadline/);
  });

  it('exits 1 with one line when the module does not exist', async () => {
    const r = await runCli(['serve', '--port', '0', '--secret', SECRET, '--handlers', './no/such/handlers.mjs']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`thunderphone-webhooks serve: handlers module not found: ${join(ROOT, 'no/such/handlers.mjs')}`);
  });

  it('exits 1 with one line when the module exports no handlers', async () => {
    const file = tempModule('nothing.mjs', 'export const unrelated = 42;\n');
    const r = await runCli(['serve', '--port', '0', '--secret', SECRET, '--handlers', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${file} has no handlers`);
  });

  it('exits 1 with one line when a handler map entry is not a function', async () => {
    const file = tempModule('bad-map.mjs', "export default { 'call.incoming': 'not a function' };\n");
    const r = await runCli(['serve', '--port', '0', '--secret', SECRET, '--handlers', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the handler for "call.incoming" is a string, not a function');
  });

  it('exits 1 with one line when the module fails to load', async () => {
    const file = tempModule('broken.mjs', 'export default {{{ syntax error\n');
    const r = await runCli(['serve', '--port', '0', '--secret', SECRET, '--handlers', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`could not load handlers module ${file}`);
  });

  it('a syntax error names the file, line and column', async () => {
    const source = 'export default {\n  a: 1;\n};\n';
    const file = tempModule('syntax.mjs', source);
    // Where the parser stops: the ";" on line 2, 1-based.
    const column = (source.split('\n')[1] as string).indexOf(';') + 1;
    const r = await runCli(['serve', '--port', '0', '--secret', SECRET, '--handlers', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`thunderphone-webhooks serve: could not load handlers module ${file}: SyntaxError: Unexpected token ';' at ${file}:2:${column}\n`);
  });

  it('an error thrown while the module loads is one line with where it was thrown', async () => {
    const source = 'const x = 1;\nthrow new Error("boom\\nsecond line");\n';
    const file = tempModule('throws.mjs', source);
    const column = (source.split('\n')[1] as string).indexOf('new') + 1;
    const r = await runCli(['serve', '--port', '0', '--secret', SECRET, '--handlers', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`thunderphone-webhooks serve: could not load handlers module ${file}: Error: boom second line at ${file}:2:${column}\n`);
  });

  it('a module path with a line break in it still gives one line', async () => {
    const r = await runCli(['serve', '--port', '0', '--secret', SECRET, '--handlers', './no/such\nhandlers.mjs']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('handlers module not found');
  });
});

describe('serve --forward-to', () => {
  interface Seen {
    body: Buffer;
    headers: IncomingHttpHeaders;
  }
  let app: http.Server;
  let appUrl: string;
  const seen: Seen[] = [];
  const APP_CONFIG = { prompt: 'You are the forwarded app.', voice: 'en-US-James1', product: 'spark' };

  beforeAll(async () => {
    // The developer's app: verifies the forwarded signature over the exact bytes it received.
    app = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        seen.push({ body, headers: req.headers });
        const expected = createHmac('sha256', SECRET).update(body).digest('hex');
        if (req.headers['x-thunderphone-signature'] !== expected) {
          res.writeHead(401).end('bad signature');
          return;
        }
        const event = JSON.parse(body.toString('utf8')) as { type: string; data: { call_id: number } };
        if (event.type === 'call.incoming') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...APP_CONFIG, prompt: `${APP_CONFIG.prompt} Call ${event.data.call_id}.` }));
        } else if (event.type === 'call.graded') {
          res.writeHead(500, { 'retry-after': '120', 'x-internal': 'not relayed' }).end('database down');
        } else {
          res.writeHead(204).end();
        }
      });
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/hooks/thunderphone`;
  });
  afterAll(async () => {
    await new Promise((r) => app.close(r));
  });

  it('relays the app reply to call.incoming; the app sees the exact bytes and a valid signature', async () => {
    seen.length = 0;
    const s = await serve(['--secret', SECRET, '--forward-to', appUrl]);
    const r = await deliver(s.url, INCOMING, SECRET, { 'x-custom-header': 'kept' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ...APP_CONFIG, prompt: 'You are the forwarded app. Call 987654321.' });
    expect(seen).toHaveLength(1);
    const got = seen[0] as Seen;
    expect(got.body.equals(Buffer.from(INCOMING))).toBe(true);
    expect(got.headers['x-thunderphone-signature']).toBe(hmac(INCOMING, SECRET));
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-custom-header']).toBe('kept');
    expect(got.headers.host).toBe(new URL(appUrl).host);
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(INCOMING)));

    // A reformatted body (CRLF, indentation, "\/") is forwarded byte for byte, so it still verifies.
    const p = await deliver(s.url, PRETTY_INCOMING);
    expect(JSON.parse(p.body).prompt).toBe('You are the forwarded app. Call 55.');
    expect((seen[1] as Seen).body.equals(Buffer.from(PRETTY_INCOMING))).toBe(true);
  });

  it("relays the app's status and body for a non-blocking event: its 204, and its 500 (so ThunderPhone retries)", async () => {
    const s = await serve(['--secret', SECRET, '--forward-to', appUrl]);
    const ok = await deliver(s.url, COMPLETE);
    expect(ok.status).toBe(204);
    expect(ok.body).toBe('');
    const failed = await deliver(s.url, GRADED);
    expect(failed.status).toBe(500);
    expect(failed.body).toBe('database down');
    expect(failed.headers['retry-after']).toBe('120');
    expect(failed.headers['x-internal']).toBeUndefined();
    await waitFor(() => /answered 500 to call\.graded/.test(s.stderr()), 'the forward failure log');
    // An expected failure is one line with its reason, not a stack trace of the library's code.
    const logged = s.stderr().split('\n').filter((line) => line.includes('answered 500 to call.graded'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`ForwardError: ${appUrl} answered 500 to call.graded`);
    expect(logged[0]).not.toContain('    at ');
    expect(logged[0]).not.toMatch(/\\n/);
  });

  it('does not forward a delivery that fails verification', async () => {
    seen.length = 0;
    const s = await serve(['--secret', SECRET, '--forward-to', appUrl]);
    expect((await deliver(s.url, INCOMING, 'whsec_wrong')).status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('when the app is unreachable: {} for a blocking event, 502 with the reason for any other', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((r) => closed.close(r));
    const s = await serve(['--secret', SECRET, '--forward-to', deadUrl]);
    const blocking = await deliver(s.url, INCOMING);
    expect(blocking.status).toBe(200);
    expect(blocking.body).toBe('{}');
    const other = await deliver(s.url, COMPLETE);
    expect(other.status).toBe(502);
    expect(JSON.parse(other.body)).toMatchObject({ error: 'forward_failed' });
    expect(JSON.parse(other.body).message).toMatch(/could not forward call\.complete to .*ECONNREFUSED/);
    expect(other.body).not.toContain(SECRET);
    expect(s.stderr()).toMatch(/could not forward call\.complete to .*ECONNREFUSED/);
  });

  it('when the app crashes mid-request (socket destroyed): 502 with the reason, {} for a blocking event', async () => {
    const crashing = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => crashing.listen(0, '127.0.0.1', r));
    const crashUrl = `http://127.0.0.1:${(crashing.address() as AddressInfo).port}/`;
    try {
      const s = await serve(['--secret', SECRET, '--forward-to', crashUrl]);
      const blocking = await deliver(s.url, INCOMING);
      expect(blocking.status).toBe(200);
      expect(blocking.body).toBe('{}');
      const other = await deliver(s.url, GRADED);
      expect(other.status).toBe(502);
      expect(JSON.parse(other.body).message).toMatch(/could not forward call\.graded to .*(ECONNRESET|UND_ERR_SOCKET|other side closed)/);
      // The process is still up and answering.
      expect((await request(`${s.origin}/healthz`)).status).toBe(200);
    } finally {
      await new Promise((r) => crashing.close(r));
    }
  });

  it('an invalid or non-2xx reply to a blocking event becomes {}, never the app\'s bytes', async () => {
    const bad = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/invalid') res.writeHead(200, { 'content-type': 'application/json' }).end('{"prompt":"p","voice":"v","colour":"red"}');
        else res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      });
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
    try {
      for (const path of ['/invalid', '/busy']) {
        const s = await serve(['--secret', SECRET, '--forward-to', `${origin}${path}`]);
        const r = await deliver(s.url, INCOMING);
        expect(r.status).toBe(200);
        expect(r.body).toBe('{}');
      }
    } finally {
      await new Promise((r) => bad.close(r));
    }
  });
});

describe('serve shutdown', () => {
  it('on SIGTERM finishes the in-flight request, refuses new connections, and exits 0', async () => {
    const file = tempModule(
      'slow-complete.mjs',
      `export default {
         'call.complete': async () => { await new Promise((r) => setTimeout(r, 500)); },
       };`,
    );
    const s = await serve(['--secret', SECRET, '--handlers', file]);
    const inFlight = deliver(s.url, COMPLETE);
    // The event line is printed when the handler starts: the request is in flight now.
    await waitFor(() => s.stdoutLines().includes(COMPLETE), 'the handler to start');
    s.child.kill('SIGTERM');
    await waitFor(() => s.stderr().includes('received SIGTERM'), 'the shutdown log');
    const refused = await request(`${s.origin}/healthz`).then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.stderr()).toMatch(/waiting for 1 in-flight request/);
    expect(s.stderr()).toMatch(/^stopped$/m);
  });

  it('a second SIGTERM cuts a slow request off and still exits 0', async () => {
    const file = tempModule(
      'very-slow-complete.mjs',
      `export default { 'call.complete': async () => { await new Promise((r) => setTimeout(r, 8000)); } };`,
    );
    const s = await serve(['--secret', SECRET, '--handlers', file]);
    const inFlight = deliver(s.url, COMPLETE).then(
      (r) => `answered ${r.status}`,
      (error: NodeJS.ErrnoException) => error.code,
    );
    await waitFor(() => s.stdoutLines().includes(COMPLETE), 'the handler to start');
    s.child.kill('SIGTERM');
    await waitFor(() => s.stderr().includes('received SIGTERM'), 'the shutdown log');
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(await inFlight).toBe('ECONNRESET');
    expect(s.stderr()).toMatch(/second stop signal: closing all connections now/);
    expect(s.stderr()).toMatch(/stopped; 1 request was still running and cut off/);
  });

  it('on SIGINT with nothing in flight exits 0', async () => {
    const s = await serve(['--secret', SECRET]);
    s.child.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.stderr()).toMatch(/received SIGINT: no longer accepting connections; nothing in flight/);
  });

  it('runs in-process with injected signals and captured output', async () => {
    const signals = new EventEmitter();
    let out = '';
    let err = '';
    const done = runServe(['--port', '0', '--secret', SECRET, ...PRETTY], {
      stdout: { write: (c: string) => (out += c) },
      stderr: { write: (c: string) => (err += c) },
      env: {},
      cwd: ROOT,
      signals,
    });
    await waitFor(() => /^listening on /m.test(err), 'listening');
    const url = (/^listening on (\S+)$/m.exec(err) as RegExpExecArray)[1] as string;
    expect((await deliver(url, GRADED)).status).toBe(200);
    expect(out).toBe(`${GRADED}\n`);
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    expect(err).toMatch(/received SIGTERM/);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
    await expect(request(url.replace('/thunderphone-webhook', '/healthz'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('serve shutdown bound (in-process)', () => {
  it('cuts requests off after shutdownTimeoutMs and still resolves 0', async () => {
    const file = tempModule(
      'stuck-complete.mjs',
      `export default { 'call.complete': async () => { await new Promise((r) => setTimeout(r, 3000)); } };`,
    );
    const signals = new EventEmitter();
    let out = '';
    let err = '';
    const done = runServe(['--port', '0', '--secret', SECRET, '--handlers', file, ...PRETTY], {
      stdout: { write: (c: string) => (out += c) },
      stderr: { write: (c: string) => (err += c) },
      env: {},
      cwd: ROOT,
      signals,
      shutdownTimeoutMs: 200,
    });
    await waitFor(() => /^listening on /m.test(err), 'listening');
    const url = (/^listening on (\S+)$/m.exec(err) as RegExpExecArray)[1] as string;
    const inFlight = deliver(url, COMPLETE).then(
      (r) => `answered ${r.status}`,
      (error: NodeJS.ErrnoException) => error.code,
    );
    await waitFor(() => out.includes(COMPLETE), 'the handler to start');
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    expect(await inFlight).toBe('ECONNRESET');
    expect(err).toMatch(/waiting for 1 in-flight request \(at most 0\.2 s\)/);
    expect(err).toMatch(/stopped; 1 request was still running and cut off/);
  });
});

describe('serve bounds slow clients (in-process)', () => {
  /** Opens a raw connection, writes `sent`, then neither writes nor closes; resolves with what came back once the server closes it. */
  function stall(port: number, sent: string): Promise<{ reply: string; ms: number }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1', () => socket.write(sent));
      let reply = '';
      socket.on('data', (c: Buffer) => (reply += c.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve({ reply, ms: Date.now() - started }));
      // A generous guard so a regression fails here instead of hanging the run.
      setTimeout(() => {
        socket.destroy();
        reject(new Error('the server kept the stalled connection open'));
      }, 15_000).unref();
    });
  }

  async function start(overrides: { headersTimeoutMs?: number; requestTimeoutMs?: number } = {}): Promise<RunningServer> {
    const core = createReceiver({ secrets: [SECRET], logger: silentLogger });
    return startServer({ host: '127.0.0.1', port: 0, path: '/thunderphone-webhook', core, logger: silentLogger, ...overrides });
  }

  it('uses 10 s for the headers and 30 s for the whole request by default (Node: 60 s and 300 s)', async () => {
    const server = await start();
    try {
      expect(server.timeouts).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
    } finally {
      await server.close();
    }
  });

  it('answers 408 and closes a request whose body stalls after the headers', async () => {
    const server = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    try {
      const head = 'POST /thunderphone-webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"data":';
      const { reply, ms } = await stall(server.port, head);
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await server.close(100);
    }
  });

  it('closes a connection that stalls in the middle of its headers', async () => {
    const server = await start({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    try {
      const { reply, ms } = await stall(server.port, 'POST /thunderphone-webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await server.close(100);
    }
  });
});

describe('serve flags', () => {
  const shorten = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text);
  const bad: Array<[string[], RegExp]> = [
    [['--port', 'abc'], /--port must be an integer from 0 to 65535, got "abc"/],
    [['--port', '70000'], /--port must be an integer from 0 to 65535/],
    // A negative number after a value-taking flag is its value, so the real check speaks.
    [['--port', '-1'], /--port must be an integer from 0 to 65535, got "-1" \(see --help\)$/],
    [['--deadline-ms', '-5'], /--deadline-ms must be a positive number of milliseconds up to 2147483647, got "-5"/],
    [['--deadline-ms', '3000000000'], /--deadline-ms must be a positive number of milliseconds up to 2147483647, got "3000000000"/],
    [['--limit', '-1'], /--limit must be a positive byte count or a size like "512kb" or "1mb", got "-1"/],
    [['--port', '-x'], /--port needs a value; to give one that starts with "-", write --port=VALUE/],
    [['--port', '1\n2'], /--port must be an integer from 0 to 65535, got "1\\n2"/],
    [['--forward-to', 'ftp://alice:s3cr3tpw@example.com/x'], /--forward-to must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/\[redacted\]@example\.com\/x"/],
    [['--forward-to', `https://${'x'.repeat(3000)}:bad/`], /--forward-to must be an http:\/\/ or https:\/\/ URL, got "https:\/\/x+…"/],
    [['--deadline-ms', '0'], /--deadline-ms must be a positive number/],
    [['--body-timeout-ms', '0'], /--body-timeout-ms must be a positive number of milliseconds up to 2147483647, got "0"/],
    [['--body-timeout-ms', 'soon'], /--body-timeout-ms must be a positive number/],
    [['--limit', 'lots'], /--limit must be a positive byte count/],
    [['--forward-to', 'ftp://example.com/x'], /--forward-to must be an http:\/\/ or https:\/\/ URL/],
    [['--handlers', './examples/handlers.mjs', '--forward-to', 'http://127.0.0.1:1/'], /--handlers and --forward-to cannot be used together/],
    [['--forward-to', 'http://user:pw@127.0.0.1:1/'], /--forward-to must not hold user:password@/],
    [['--path', 'no-slash'], /--path must start with "\/"/],
    [['--secret', ''], /--secret #1 is empty/],
    [['--no-such-flag'], /unknown flag --no-such-flag \(see --help\)$/],
    [['extra-positional'], /unexpected argument: this command takes only flags/],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 with one line for ${shorten(args.join(' ')) || '(empty)'}`, async () => {
      const r = await runCli(['serve', ...args]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^thunderphone-webhooks serve: /);
      expect(lines[0]).toMatch(message);
      expect(lines[0]).not.toContain('s3cr3tpw');
      expect((lines[0] as string).length).toBeLessThan(400);
      expect(r.stdout).toBe('');
    });
  }

  it('--help prints the flags to stdout and exits 0', async () => {
    const r = await runCli(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--port', '--host', '--path', '--secret', '--handlers', '--forward-to', '--deadline-ms', '--limit', '--body-timeout-ms', '--help']) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('--limit refuses a larger body with 413 and --path moves the endpoint', async () => {
    const s = await serve(['--secret', SECRET, '--limit', '100', '--path', '/hooks/tp']);
    expect(new URL(s.url).pathname).toBe('/hooks/tp');
    const big = `{"data":{"call_id":1,"pad":"${'x'.repeat(200)}"},"type":"call.graded"}`;
    expect((await deliver(s.url, big)).status).toBe(413);
    expect((await deliver(s.url, GRADED)).status).toBe(200);
    expect((await deliver(`${s.origin}/thunderphone-webhook`, GRADED)).status).toBe(404);
  });

  it('exits 1 with one line when the port is taken', async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await runCli(['serve', '--port', String(port), '--secret', SECRET]);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+: the port is already in use/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
