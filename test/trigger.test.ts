import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrigger } from '../src/cli/trigger.js';
import { parseJsonLossless } from '../src/core/lossless-json.js';

const parseJsonKeepingBigInts = (text: string) => parseJsonLossless(text, { bigint: true });
import { KNOWN_EVENT_TYPES } from '../src/core/event-types.js';
import { silentLogger } from '../src/core/logger.js';
import type { ThunderPhoneEvent } from '../src/core/event-types.js';
import { thunderphoneMiddleware } from '../src/node/middleware.js';
import { DeliveryError, sampleData, sendDelivery } from '../src/sender/index.js';

const SECRET = 'whsec_trigger_test_secret';
const CONFIG = { prompt: 'You are the Acme Dental receptionist.', voice: 'en-US-James1', product: 'spark' as const };

const servers: Server[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'tp-trigger-'));

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/thunderphone-webhook`;
}

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runTrigger(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    env,
    cwd: tmp,
  });
  return { code, stdout, stderr };
}

interface Captured {
  body: Buffer;
  headers: IncomingMessage['headers'];
}

/** A bare server that records exactly what arrived and answers with `reply` after `delayMs`. */
async function captureServer(reply: string, delayMs = 0): Promise<{ url: string; received: Captured[] }> {
  const received: Captured[] = [];
  const url = await listen((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks), headers: req.headers });
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(reply);
      }, delayMs);
    });
  });
  return { url, received };
}

function hmac(bytes: Buffer, secret: string): string {
  return createHmac('sha256', secret).update(bytes).digest('hex');
}

/** Sorted keys and no whitespace, checked by re-serialising independently. */
function isSortedCompact(text: string): boolean {
  const sorted = JSON.stringify(JSON.parse(text), (_k, v: unknown) =>
    v === null || typeof v !== 'object' || Array.isArray(v)
      ? v
      : Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
  return sorted.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) === text;
}

const seen: ThunderPhoneEvent[] = [];
let receiverUrl = '';
let wrongSecretUrl = '';

beforeAll(async () => {
  receiverUrl = await listen(
    thunderphoneMiddleware({
      secret: SECRET,
      logger: silentLogger,
      handlers: {
        'call.incoming': (event) => {
          seen.push(event);
          return CONFIG;
        },
        'call.complete': (event) => {
          seen.push(event);
        },
        // Misspelt key: the receiver refuses to pass this on and answers {} instead.
        'telephony.incoming': () => ({ promt: 'typo', voice: 'en-US-James1' }) as never,
        'call.graded': () => {
          throw new Error('database down');
        },
      },
    }),
  );
  wrongSecretUrl = await listen(thunderphoneMiddleware({ secret: 'whsec_a_different_secret', logger: silentLogger }));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe('trigger against a real receiver', () => {
  it('call.incoming: shows status 200, the reply, and that it is a valid agent configuration', async () => {
    const { code, stdout, stderr } = await run(['call.incoming', '--url', receiverUrl, '--secret', SECRET]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('status: 200');
    expect(stdout).toMatch(/latency: \d+ ms/);
    expect(stdout).toContain(JSON.stringify(CONFIG, null, 2));
    expect(stdout).toContain('agent configuration: valid');
    expect(seen.at(-1)?.type).toBe('call.incoming');
  });

  it('call.complete: acknowledged with exit 0, and the handler saw the sample', async () => {
    const { code, stdout } = await run(['call.complete', '--url', receiverUrl, '--secret', SECRET, '--event-id', 'evt_fixed_1']);
    expect(code).toBe(0);
    expect(stdout).toContain('status: 200');
    expect(stdout).toContain('acknowledged');
    const event = seen.at(-1) as ThunderPhoneEvent & { data: { transcripts: unknown[] } };
    expect(event.type).toBe('call.complete');
    expect(event.event_id).toBe('evt_fixed_1');
    expect(event.data.transcripts.length).toBeGreaterThan(0);
  });

  it('an invalid handler reply comes back as {} and reads as "use the static agent"', async () => {
    const { code, stdout } = await run(['telephony.incoming', '--url', receiverUrl, '--secret', SECRET]);
    expect(code).toBe(0);
    expect(stdout).toContain('status: 200');
    expect(stdout).toMatch(/reply:\n\{\}\n/);
    expect(stdout).toContain("agent configuration: {} — ThunderPhone would use the number's static agent");
  });

  it('a failing non-blocking handler is a 500: exit 1, and says ThunderPhone would retry', async () => {
    const { code, stdout } = await run(['call.graded', '--url', receiverUrl, '--secret', SECRET]);
    expect(code).toBe(1);
    expect(stdout).toContain('status: 500');
    expect(stdout).toContain('would retry');
  });

  it('a receiver with another secret answers 401: exit 1 with the reason', async () => {
    const { code, stdout } = await run(['call.complete', '--url', wrongSecretUrl, '--secret', SECRET]);
    expect(code).toBe(1);
    expect(stdout).toContain('status: 401');
    expect(stdout).toContain('reason: signature does not match the body for the configured secret (see README#troubleshooting-signature-failures)');
    expect(stdout).not.toContain(SECRET);
  });

  it('a 401 to a blocking event says ThunderPhone would use the static agent', async () => {
    const { code, stdout } = await run(['call.incoming', '--url', wrongSecretUrl, '--secret', SECRET]);
    expect(code).toBe(1);
    expect(stdout).toContain('agent configuration: none (status 401 is not 2xx); ThunderPhone would use the static agent');
  });

  it('takes the secret from THUNDERPHONE_WEBHOOK_SECRET, the first of a comma-separated list', async () => {
    const { code, stdout } = await run(['call.complete', '--url', receiverUrl], {
      THUNDERPHONE_WEBHOOK_SECRET: `${SECRET},whsec_older_secret`,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('signed with the secret from THUNDERPHONE_WEBHOOK_SECRET (the first of 2)');
  });
});

describe('trigger when the receiver is missing or slow', () => {
  it('nothing listening: one line, exit 1, no stack', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const url = `http://127.0.0.1:${port}/thunderphone-webhook`;

    const { code, stderr } = await run(['call.incoming', '--url', url, '--secret', SECRET]);
    expect(code).toBe(1);
    expect(stderr).toBe(`trigger: could not reach ${url}: connection refused — is the receiver running?\n`);
  });

  it('a blocking reply slower than 2 s fails (exit 1), even when --timeout-ms waits for it', async () => {
    const { url } = await captureServer(JSON.stringify(CONFIG), 2200);
    const { code, stdout } = await run(['call.incoming', '--url', url, '--secret', SECRET, '--timeout-ms', '6000']);
    expect(code).toBe(1);
    expect(stdout).toContain('status: 200');
    expect(stdout).toContain(JSON.stringify(CONFIG, null, 2));
    expect(stdout).toMatch(
      /^agent configuration: valid, but ThunderPhone would not have waited: it would use the static agent \(the reply took \d+ ms; ThunderPhone waits 2 s for call\.incoming\)$/m,
    );
    expect(stdout).not.toContain('ThunderPhone would run the call with it');
  });

  it('by default it stops waiting for a blocking reply at 2 s, as ThunderPhone does', async () => {
    const { url } = await captureServer(JSON.stringify(CONFIG), 2600);
    const started = Date.now();
    const { code, stdout } = await run(['call.incoming', '--url', url, '--secret', SECRET]);
    expect(Date.now() - started).toBeLessThan(2600);
    expect(code).toBe(1);
    expect(stdout).toContain('status: no reply within 2000 ms');
    expect(stdout).toContain('ThunderPhone would stop waiting and use the static agent');
    expect(stdout).toContain('--timeout-ms');
  });
});

describe('what trigger puts on the wire', () => {
  it('sends sorted-key compact JSON with an HMAC of the exact bytes', async () => {
    const { url, received } = await captureServer('{"ok":true}');
    const { code } = await run(['call.complete', '--url', url, '--secret', SECRET, '--event-id', 'evt_wire']);
    expect(code).toBe(0);
    const [got] = received;
    expect(got).toBeDefined();
    const { body, headers } = got as Captured;
    expect(headers['x-thunderphone-signature']).toBe(hmac(body, SECRET));
    expect(headers['content-type']).toBe('application/json');
    expect(headers['content-length']).toBe(String(body.byteLength));
    const text = body.toString('utf8');
    expect(isSortedCompact(text)).toBe(true);
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(text)).toMatchObject({ type: 'call.complete', event_id: 'evt_wire', data: { call_id: expect.any(Number) } });
  });

  it('merges a --data file over the sample data, keeping a 64-bit call_id exact', async () => {
    const file = join(tmp, 'transfer.json');
    writeFileSync(file, '{"call_id": 9223372036854775807, "end_reason": "transfer", "transfer_number": "+14155550123"}');
    const { url, received } = await captureServer('{}');
    const { code } = await run(['call.complete', '--url', url, '--secret', SECRET, '--data', 'transfer.json']);
    expect(code).toBe(0);
    const text = (received[0] as Captured).body.toString('utf8');
    expect(text).toContain('"call_id":9223372036854775807,');
    expect(text).toContain('"end_reason":"transfer"');
    expect(text).toContain('"transfer_number":"+14155550123"');
    expect(text).toContain('"transcripts":[{'); // the rest of the sample is still there
    expect(isSortedCompact(text.replace('9223372036854775807', '1'))).toBe(true);
  });

  it('sends a --data file holding a whole envelope as it is', async () => {
    writeFileSync(join(tmp, 'envelope.json'), '{"type":"voice.started","data":{"call_id":7},"event_id":"evt_env"}');
    const { url, received } = await captureServer('{"ok":true}');
    const { code, stderr } = await run(['--url', url, '--secret', SECRET, '--data', 'envelope.json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect((received[0] as Captured).body.toString('utf8')).toBe('{"data":{"call_id":7},"event_id":"evt_env","type":"voice.started"}');
  });

  it('sends an unknown type with a warning when --data gives its data', async () => {
    writeFileSync(join(tmp, 'alert.json'), '{"level":"high"}');
    const { url, received } = await captureServer('{"ok":true}');
    const { code, stderr } = await run(['alert.triggered', '--url', url, '--secret', SECRET, '--data', 'alert.json']);
    expect(code).toBe(0);
    expect(stderr).toContain('"alert.triggered" is not an event type this version knows; sending it anyway');
    expect(JSON.parse((received[0] as Captured).body.toString('utf8'))).toMatchObject({ type: 'alert.triggered', data: { level: 'high' } });
  });
});

describe('reading --data JSON', () => {
  it('turns only integers beyond 2^53 into bigints, leaving strings, floats and safe integers alone', () => {
    const text = '{"a": 9007199254740993, "b": -9007199254740993, "c": "9007199254740993", "d": 9007199254740991, "e": 1.5e300, "f": [12345678901234567890], "g": "x\\"9007199254740993"}';
    expect(parseJsonKeepingBigInts(text)).toEqual({
      a: 9007199254740993n,
      b: -9007199254740993n,
      c: '9007199254740993',
      d: 9007199254740991,
      e: 1.5e300,
      f: [12345678901234567890n],
      g: 'x"9007199254740993',
    });
    expect(() => parseJsonKeepingBigInts('{"a": 01}')).toThrow(SyntaxError);
  });
});

describe('trigger usage errors (exit 2, one line)', () => {
  it.each([
    [['call.incoming', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--verbose'], 'trigger: unknown flag --verbose (see "thunderphone-webhooks trigger --help")\n'],
    [['call.incoming', '--url'], 'trigger: --url needs a value\n'],
    [['call.incoming', '--secret', SECRET], 'trigger: --url is required, e.g. --url http://127.0.0.1:3000/thunderphone-webhook\n'],
    [['call.incoming', '--url', 'http://127.0.0.1:9/x'], 'trigger: no secret to sign with: pass --secret whsec_... or set THUNDERPHONE_WEBHOOK_SECRET\n'],
    [['call.incoming', '--url', 'http://127.0.0.1:9/x', '--secret', ''], 'trigger: --secret is empty; pass your whsec_... webhook secret\n'],
    [['call.incoming', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--timeout-ms', 'soon'], 'trigger: --timeout-ms must be a positive whole number of milliseconds up to 2147483647, got "soon"\n'],
    // A negative number after a value-taking flag is its value, so the real check speaks.
    [['call.incoming', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--timeout-ms', '-1'], 'trigger: --timeout-ms must be a positive whole number of milliseconds up to 2147483647, got "-1"\n'],
    [['call.incoming', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--timeout-ms', '-2.5'], 'trigger: --timeout-ms must be a positive whole number of milliseconds up to 2147483647, got "-2.5"\n'],
    [['call.incoming', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--timeout-ms', '3000000000'], 'trigger: --timeout-ms must be a positive whole number of milliseconds up to 2147483647, got "3000000000"\n'],
    [['call.incoming', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--timeout-ms=-1'], 'trigger: --timeout-ms must be a positive whole number of milliseconds up to 2147483647, got "-1"\n'],
    [['call.incoming', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--data', 'missing.json'], 'trigger: cannot read --data missing.json: no such file\n'],
    [['a', 'b', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET], 'trigger: expected one event type, got 2 words after "trigger" (a value needs its flag, e.g. --secret whsec_...)\n'],
  ])('%j', async (argv, expected) => {
    const { code, stderr, stdout } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toBe(expected);
    expect(stdout).toBe('');
  });

  it('an unknown type without --data', async () => {
    const { code, stderr } = await run(['alert.triggered', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n').at(-1)).toBe('trigger: there is no sample for "alert.triggered"; give its data with --data file.json');
  });

  it('a --data file that is not JSON, or whose envelope type disagrees', async () => {
    writeFileSync(join(tmp, 'bad.json'), '{"call_id": 1,');
    const bad = await run(['call.complete', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--data', 'bad.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^trigger: --data bad\.json is not valid JSON: .+\n$/);

    writeFileSync(join(tmp, 'other.json'), '{"type":"call.graded","data":{"call_id":1}}');
    const other = await run(['call.complete', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--data', 'other.json']);
    expect(other.code).toBe(2);
    expect(other.stderr).toBe('trigger: the --data file is a call.graded envelope, but the command asks for call.complete\n');
  });

  it('an invalid URL', async () => {
    const { code, stderr } = await run(['call.complete', '--url', 'localhost:3000', '--secret', SECRET]);
    expect(code).toBe(2);
    expect(stderr).toBe('trigger: --url "localhost:3000" is not an http(s) URL (e.g. http://127.0.0.1:3000/thunderphone-webhook)\n');
  });
});

describe('--data files in the shape of sampleEvent(type, overrides)', () => {
  async function sent(file: string, content: string, argv: string[] = ['call.complete']) {
    writeFileSync(join(tmp, file), content);
    const { url, received } = await captureServer('{}');
    const result = await run([...argv, '--url', url, '--secret', SECRET, '--data', file]);
    const body = received[0]?.body.toString('utf8');
    return { ...result, body, envelope: body === undefined ? undefined : (JSON.parse(body) as Record<string, unknown>) };
  }

  it('{"data": {...}} is deep-merged over the sample envelope: event_id and the rest of the data stay', async () => {
    const { code, envelope } = await sent('env-override.json', '{"data":{"end_reason":"transfer"}}');
    expect(code).toBe(0);
    expect(envelope?.type).toBe('call.complete');
    expect(envelope?.event_id).toMatch(/^evt_[0-9a-f]{24}$/);
    expect(envelope?.data).toEqual({ ...sampleData('call.complete'), end_reason: 'transfer' });
  });

  it('{"event_id", "data"} sets the event_id too; arrays replace, nested objects merge', async () => {
    const { code, envelope } = await sent(
      'env-override-id.json',
      JSON.stringify({ event_id: 'evt_from_file', data: { grade: { score: 12, detected_issues: ['rude'] } } }),
      ['call.graded'],
    );
    expect(code).toBe(0);
    const sample = sampleData('call.graded');
    const grade = sample.grade as NonNullable<typeof sample.grade>;
    expect(grade.detected_issues).toEqual([]);
    expect(envelope?.event_id).toBe('evt_from_file');
    expect(envelope?.data).toEqual({ ...sample, grade: { ...grade, score: 12, detected_issues: ['rude'] } });
  });

  it('--event-id still wins over the file', async () => {
    writeFileSync(join(tmp, 'env-id.json'), '{"event_id":"evt_from_file"}');
    const { url, received } = await captureServer('{}');
    const { code } = await run(['call.complete', '--url', url, '--secret', SECRET, '--data', 'env-id.json', '--event-id', 'evt_flag']);
    expect(code).toBe(0);
    const envelope = JSON.parse((received[0] as Captured).body.toString('utf8')) as { event_id: string; data: unknown };
    expect(envelope.event_id).toBe('evt_flag');
    expect(envelope.data).toEqual(sampleData('call.complete'));
  });

  it('a file with other keys besides "data" is event data, merged over the sample data', async () => {
    const { code, envelope } = await sent('mixed.json', '{"data":{"x":1},"end_reason":"transfer"}');
    expect(code).toBe(0);
    expect(envelope?.data).toEqual({ ...sampleData('call.complete'), data: { x: 1 }, end_reason: 'transfer' });
  });

  it('an envelope-shaped override for a type without a sample needs "data"', async () => {
    const { code, stderr } = await sent('only-id.json', '{"event_id":"evt_1"}', ['alert.triggered']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n').at(-1)).toBe('trigger: there is no sample for "alert.triggered"; give its data in the --data file ({"data": {...}})');
    const ok = await sent('alert-env.json', '{"data":{"level":"high"}}', ['alert.triggered']);
    expect(ok.code).toBe(0);
    expect(ok.envelope).toMatchObject({ type: 'alert.triggered', data: { level: 'high' }, event_id: expect.stringMatching(/^evt_/) });
  });

  it('--help says exactly how a --data file is read', async () => {
    const { stdout } = await run(['--help']);
    const help = stdout.replace(/\s+/g, ' ');
    expect(help).toContain('with a top-level "type": the whole envelope, sent as it is');
    expect(help).toContain('with only envelope keys ("data", "event_id"): deep-merged over the sample envelope (arrays replace), like sampleEvent(type, overrides) in thunderphone-webhooks/testing');
    expect(help).toContain("anything else: merged over the sample's data");
  });
});

describe('every error is one line', () => {
  const oneLine = (text: string) => {
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toMatch(/[\r\n]/);
  };

  it('a --data file that is not JSON, spread over several lines (LF and CRLF)', async () => {
    for (const [file, content] of [
      ['multi-lf.json', '{"a": 1,\n"b": x}\n'],
      ['multi-crlf.json', '{"a": 1,\r\n"b": x}\r\n'],
    ] as const) {
      writeFileSync(join(tmp, file), content);
      const { code, stderr } = await run(['call.complete', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--data', file]);
      expect(code).toBe(2);
      oneLine(stderr);
      expect(stderr).toMatch(new RegExp(`^trigger: --data ${file.replace('.', '\\.')} is not valid JSON: Unexpected token 'x'`));
    }
  });

  it('quoted content is cut short', async () => {
    writeFileSync(join(tmp, 'long-bad.json'), `{"a": "${'y'.repeat(5000)}",\n b}`);
    const bad = await run(['call.complete', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--data', 'long-bad.json']);
    expect(bad.code).toBe(2);
    oneLine(bad.stderr);
    expect(bad.stderr.length).toBeLessThan(400);

    const long = await run(['call.complete', '--url', `not-a-url-${'z'.repeat(5000)}`, '--secret', SECRET]);
    expect(long.code).toBe(2);
    oneLine(long.stderr);
    expect(long.stderr.length).toBeLessThan(400);
    expect(long.stderr).toMatch(/^trigger: --url "not-a-url-z+…" is not an http\(s\) URL/);
  });

  it('values with line breaks are quoted with the breaks escaped', async () => {
    const url = await run(['call.complete', '--url', 'not a url\nsecond line', '--secret', SECRET]);
    expect(url.code).toBe(2);
    oneLine(url.stderr);
    expect(url.stderr).toContain('--url "not a url\\nsecond line" is not an http(s) URL');

    const timeout = await run(['call.complete', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--timeout-ms', '5\n0']);
    oneLine(timeout.stderr);

    const extra = await run(['a\nb', 'c', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET]);
    expect(extra.code).toBe(2);
    oneLine(extra.stderr);
  });

  it('a warning about an unknown type with a line break in it', async () => {
    writeFileSync(join(tmp, 'alert2.json'), '{"level":"high"}');
    const { url } = await captureServer('{"ok":true}');
    const { stderr } = await run(['alert\ntriggered', '--url', url, '--secret', SECRET, '--data', 'alert2.json']);
    for (const line of stderr.trimEnd().split('\n')) expect(line).toMatch(/^trigger: /);
  });
});

describe('the secret list in THUNDERPHONE_WEBHOOK_SECRET', () => {
  it('spaces and tabs around entries are list formatting, not part of the secret', async () => {
    const { code, stdout, stderr } = await run(['call.complete', '--url', receiverUrl], {
      THUNDERPHONE_WEBHOOK_SECRET: ` \t${SECRET} ,  whsec_older_secret\t`,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('status: 200');
    expect(stdout).toContain('(the first of 2)');
  });

  it('an entry that is empty once trimmed is refused, wherever it is', async () => {
    for (const value of [' , whsec_b', `${SECRET}, ,whsec_b`, '  ']) {
      const { code, stderr } = await run(['call.complete', '--url', receiverUrl], { THUNDERPHONE_WEBHOOK_SECRET: value });
      expect(code).toBe(2);
      expect(stderr).toMatch(/^trigger: THUNDERPHONE_WEBHOOK_SECRET has an empty entry \(#\d\); separate several secrets with single commas\n$/);
    }
  });

  it('a --secret flag is used exactly as given, spaces included', async () => {
    const { code, stdout, stderr } = await run(['call.complete', '--url', receiverUrl, '--secret', ` ${SECRET}`]);
    expect(stderr).toMatch(/^trigger: warning: /);
    expect(code).toBe(1);
    expect(stdout).toContain('status: 401');
  });
});

describe('URLs with credentials', () => {
  it('--url with user:password@ is refused without echoing them', async () => {
    const { code, stderr, stdout } = await run(['call.complete', '--url', 'http://alice:s3cr3tpw@127.0.0.1:9/x', '--secret', SECRET]);
    expect(code).toBe(2);
    expect(stderr).toBe('trigger: --url must not hold user:password@ (ThunderPhone sends no credentials in the URL); remove them\n');
    expect(stdout).toBe('');
  });

  it('sendDelivery never quotes the credentials of a URL it cannot reach or parse', async () => {
    const unreachable = await sendDelivery({ url: 'http://alice:s3cr3tpw@127.0.0.1:1/x', body: '{}', secret: SECRET }).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(DeliveryError);
    expect((unreachable as Error).message).toBe('could not reach http://[redacted]@127.0.0.1:1/x: connection refused — is the receiver running?');
    const unparsable = await sendDelivery({ url: 'http://alice:s3cr3tpw@127.0.0.1:bad/x', body: '{}', secret: SECRET }).catch((e: unknown) => e);
    expect((unparsable as Error).message).not.toContain('s3cr3tpw');
    expect((unparsable as Error).message).toContain('[redacted]@');
  });
});

describe('trigger --list and --help', () => {
  it('--list prints every known type, marking the blocking ones', async () => {
    const { code, stdout } = await run(['--list']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([...KNOWN_EVENT_TYPES]);
    expect(lines.filter((l) => / blocking /.test(l)).map((l) => l.split(/\s+/)[0])).toEqual(['call.incoming', 'telephony.incoming', 'web.incoming']);
  });

  it('--help prints the usage', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: thunderphone-webhooks trigger <type> --url URL/);
    const help = stdout.replace(/\s+/g, ' ');
    expect(help).toContain('a blocking reply slower than the 2 s ThunderPhone waits, even when --timeout-ms lets trigger wait for it');
  });
});

describe('the built binary', () => {
  const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

  it('node dist/cli/main.js trigger call.complete --url ... --secret ...', async () => {
    expect(existsSync(main), 'dist/cli/main.js is missing: run `npm run build` first').toBe(true);
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [main, 'trigger', 'call.complete', '--url', receiverUrl, '--secret', SECRET],
        { env: { PATH: process.env.PATH ?? '' }, timeout: 15_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('status: 200');
    expect(result.stdout).toContain('acknowledged');
    expect(seen.at(-1)?.type).toBe('call.complete');
  });

  it('exits 1 with one line when nothing listens', async () => {
    expect(existsSync(main), 'dist/cli/main.js is missing: run `npm run build` first').toBe(true);
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [main, 'trigger', 'call.incoming', '--url', 'http://127.0.0.1:1/thunderphone-webhook', '--secret', SECRET],
        { env: { PATH: process.env.PATH ?? '' }, timeout: 15_000 },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('trigger: could not reach http://127.0.0.1:1/thunderphone-webhook: connection refused — is the receiver running?\n');
  });
});
