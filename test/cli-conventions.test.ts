import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseFlags, UsageError, usageMessage } from '../src/cli/args.js';
import { colorEnabled } from '../src/cli/log-format.js';
import { runServe } from '../src/cli/serve.js';
import { createStreamLogger } from '../src/cli/serve-logger.js';

// The conventions every command follows: --help with examples, --version, exit codes 0/1/2, and
// usage errors that name the bad flag. Run against the built CLI, as users run it.
const root = resolve(import.meta.dirname, '..');
const CLI = join(root, 'dist/cli/main.js');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const COMMANDS = ['serve', 'trigger', 'setup', 'listen'];
const SECRET = 'whsec_cli_conventions';

async function cli(args: string[], env: Record<string, string> = {}) {
  const clean = { PATH: process.env.PATH ?? '', ...env };
  return promisify(execFile)(process.execPath, [CLI, ...args], { env: clean, encoding: 'utf8', timeout: 15_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('--help and --version', () => {
  it('--version prints the package version and exits 0', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('--help lists the commands, with examples and the exit codes', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(stdout).toMatch(/^examples:$/m);
    expect(stdout).toContain('--version');
  });

  it.each(COMMANDS)('%s --help prints usage with examples on stdout and exits 0', async (command) => {
    const { code, stdout, stderr } = await cli([command, '--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(new RegExp(`^usage: thunderphone-webhooks ${command}`));
    const examples = stdout.split(/^examples:$/m)[1] ?? '';
    expect(examples.match(new RegExp(`thunderphone-webhooks ${command}\\b`, 'g'))?.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(stdout).toMatch(/exit status: 0/);
  });

  it('no command at all is a usage error: the usage, exit 2', async () => {
    const { code, stdout } = await cli([]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/^usage: /);
  });

  it('an unknown command or top-level flag exits 2 and names it', async () => {
    expect(await cli(['serv'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^thunderphone-webhooks: unknown command "serv"\n/) });
    expect(await cli(['--verison'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^thunderphone-webhooks: unknown flag "--verison"\n/) });
  });
});

describe('usage errors exit 2 with one line that names the bad flag', () => {
  // [command line, the flag the message must name]
  const cases: [string[], string][] = [
    [['serve', '--bogus'], '--bogus'],
    [['serve', '--port'], '--port'],
    [['serve', '--port', 'x'], '--port'],
    [['serve', '--verbose=yes'], '--verbose'],
    [['serve', '--log', 'xml'], '--log'],
    [['trigger', 'call.complete', '--bogus'], '--bogus'],
    [['trigger', 'call.complete', '--url'], '--url'],
    [['trigger', 'call.complete', '--url', 'ftp://x', '--secret', SECRET], '--url'],
    [['trigger', 'call.complete', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--timeout-ms', '0'], '--timeout-ms'],
    [['setup', '--bogus'], '--bogus'],
    [['setup', '--force'], '--force'],
    [['setup', '--url', 'ftp://example.com/hook'], '--url'],
    [['listen', '--bogus'], '--bogus'],
    [['listen', '--port', 'x'], '--port'],
    [['listen', '--tunnel', 'carrier-pigeon'], '--tunnel'],
    [['listen', '--forward-to', 'ftp://x'], '--forward-to'],
    [['listen', '--log', 'json'], 'unknown flag --log'],
    [['listen', 'sk_live_PUBPASS'], 'unexpected argument'],
    [['trigger', 'call.complete', 'whsec_PUBPASS'], 'a value needs its flag'],
    [['listen', '--public-url', 'http://u:PUBPASS@127.0.0.1:3011', '--port', '3011'], '--public-url'],
    [['listen', '--public-url', 'tunnel.example.com', '--port', '3011'], '--public-url'],
  ];
  it.each(cases)('%j names %s', async (args, flag) => {
    const { code, stdout, stderr } = await cli(args, { THUNDERPHONE_API_KEY: 'sk_live_not_used' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(flag);
    expect(lines[0]).not.toContain('PUBPASS');
    expect(lines[0]).toMatch(/^(thunderphone-webhooks (serve|setup|listen)|trigger): /);
  });
});

describe('runtime failures exit 1', () => {
  it('trigger to a port nothing listens on', async () => {
    const { code } = await cli(['trigger', 'call.complete', '--url', 'http://127.0.0.1:9/thunderphone-webhook', '--secret', SECRET, '--timeout-ms', '3000']);
    expect(code).toBe(1);
  });

  it('serve with a handlers module that does not exist', async () => {
    const { code, stderr } = await cli(['serve', '--port', '0', '--secret', SECRET, '--handlers', './no/such/module.mjs', '--log', 'pretty']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^thunderphone-webhooks serve: .*handlers module not found/);
  });
});

describe('the shared parser for new commands', () => {
  const FLAGS = { port: { type: 'string' }, verbose: { type: 'boolean' } } as const;

  it('reads flags, attaching negative values', () => {
    expect(parseFlags(['--port', '-1', '--verbose'], FLAGS).values).toEqual({ port: '-1', verbose: true });
  });

  it.each([
    [['--nope'], 'unknown flag --nope'],
    [['--port'], '--port needs a value'],
    [['--verbose=1'], '--verbose takes no value'],
    [['stray-sk_live_key'], 'unexpected argument: this command takes only flags (a value needs its flag)'],
  ])('%j -> UsageError %j, never quoting a stray value', (argv, message) => {
    let caught: unknown;
    try {
      parseFlags(argv, FLAGS);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(message);
  });

  it('composes the usage line', () => {
    expect(usageMessage('listen', '--port needs a value')).toBe('thunderphone-webhooks listen: --port needs a value (see "thunderphone-webhooks listen --help")');
  });
});

describe('serve --log json|pretty', () => {
  async function serveOnce(args: string[], stderr: { write(chunk: string): unknown; isTTY?: boolean }, env: Record<string, string> = {}) {
    const signals = new (await import('node:events')).EventEmitter();
    const out: string[] = [];
    const done = runServe(['--port', '0', '--secret', SECRET, ...args], { stdout: { write: (c: string) => out.push(c) }, stderr, env, cwd: root, signals });
    return { done, signals };
  }

  async function captured(args: string[], options: { isTTY?: boolean; env?: Record<string, string> } = {}) {
    let text = '';
    const stderr = { write: (c: string) => (text += c), ...(options.isTTY ? { isTTY: true } : {}) };
    const { done, signals } = await serveOnce(args, stderr, options.env);
    const deadline = Date.now() + 10_000;
    while (!/listening on/.test(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const url = /listening on (http:\/\/[^\s"]+)/.exec(text)?.[1] as string;
    // An unsigned delivery: refused, and logged as a warning.
    await fetch(url, { method: 'POST', body: '{}' });
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    return text;
  }

  it('defaults to JSON lines when stderr is not a terminal: every line is a record with time, level and msg', async () => {
    const text = await captured([]);
    const records = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      expect(Object.keys(record).slice(0, 3)).toEqual(['time', 'level', 'msg']);
      expect(Number.isNaN(Date.parse(record.time as string))).toBe(false);
    }
    expect(records).toContainEqual(expect.objectContaining({ level: 'info', msg: expect.stringMatching(/^listening on http:\/\/127\.0\.0\.1:\d+\/thunderphone-webhook$/) }));
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'refused delivery: missing X-ThunderPhone-Signature header', status: 401, code: 'missing_signature' }));
    expect(records).toContainEqual(expect.objectContaining({ level: 'info', msg: 'stopped' }));
    expect(text).not.toContain(SECRET);
  });

  it('defaults to pretty on a terminal, coloured unless NO_COLOR is set', async () => {
    const coloured = await captured([], { isTTY: true });
    expect(coloured).toMatch(/^listening on http:\/\/\S+$/m);
    expect(coloured).toContain('[thunderphone-webhooks] \u001b[33mwarn\u001b[39m: refused delivery: missing X-ThunderPhone-Signature header');
    const plain = await captured([], { isTTY: true, env: { NO_COLOR: '1' } });
    expect(plain).toContain('[thunderphone-webhooks] warn: refused delivery: missing X-ThunderPhone-Signature header');
    expect(plain).not.toContain('\u001b[');
  });

  it('--log pretty off a terminal has no colour; --log json on a terminal gives JSON', async () => {
    const pretty = await captured(['--log', 'pretty']);
    expect(pretty).toMatch(/^\[thunderphone-webhooks\] warn: refused delivery/m);
    expect(pretty).not.toContain('\u001b[');
    const json = await captured(['--log', 'json'], { isTTY: true });
    for (const line of json.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('colour follows the terminal, NO_COLOR (any non-empty value) and TERM=dumb', () => {
    expect(colorEnabled({ write() {}, isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ write() {}, isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ write() {}, isTTY: true }, { NO_COLOR: '0' })).toBe(false);
    expect(colorEnabled({ write() {}, isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled({ write() {} }, {})).toBe(false);
  });

  it('a JSON record keeps time, level and msg even when a field has the same name, and stays one line', () => {
    let text = '';
    createStreamLogger({ write: (c: string) => (text += c) }, { format: 'json' }).warn('two\nlines', { level: 'x', msg: 'y', n: 10n });
    expect(text.split('\n')).toHaveLength(2);
    expect(JSON.parse(text)).toMatchObject({ level: 'warn', msg: 'two\nlines', n: '10' });
  });
});
