import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { KNOWN_EVENT_TYPES, isBlockingType, isKnownType } from '../core/event-types.js';
import { MAX_TIMER_MS } from '../core/limits.js';
import { parseJsonLossless } from '../core/lossless-json.js';
import { warnAboutSecrets } from '../core/secrets.js';
import {
  DeliveryError,
  EVENT_DESCRIPTIONS,
  hasUrlCredentials,
  hideUrlCredentials,
  composeEnvelope,
  reportDelivery,
  sendDelivery,
  toWireBody,
} from '../sender/index.js';
import { EXIT, UsageError, attachNegativeValues } from './args.js';
import type { CliIO } from './io.js';
import { MAX_REASON, oneLineWriter, quote, reasonOf } from './one-line.js';
import { SECRET_ENV, splitSecretList } from './secret-list.js';

const USAGE = `usage: thunderphone-webhooks trigger <type> --url URL [--secret S] [--data file.json] [--event-id ID] [--timeout-ms N]
       thunderphone-webhooks trigger --list

Sends a signed sample event to a receiver the way ThunderPhone does (sorted-key compact JSON,
X-ThunderPhone-Signature over the exact bytes) and says what ThunderPhone would make of the reply.

flags:
  --url URL        where to POST, e.g. http://127.0.0.1:3000/thunderphone-webhook (required)
  --secret S       the whsec_... secret to sign with, exactly as given; default
                   THUNDERPHONE_WEBHOOK_SECRET (the first one when it is a comma-separated
                   list; spaces and tabs around each entry are ignored)
  --data FILE      a JSON object, read one of three ways:
                   - with a top-level "type": the whole envelope, sent as it is;
                   - with only envelope keys ("data", "event_id"): deep-merged over the
                     sample envelope (arrays replace), like sampleEvent(type, overrides) in
                     thunderphone-webhooks/testing;
                   - anything else: merged over the sample's data.
  --event-id ID    the event_id to send (default: a new random evt_... id)
  --timeout-ms N   how long to wait for the reply (default 2000 for blocking events, as
                   ThunderPhone does, 30000 otherwise)
  --list           print the event types there are samples for
  -h, --help       print this help

examples:
  thunderphone-webhooks trigger call.incoming --url http://127.0.0.1:3000/thunderphone-webhook --secret whsec_...
  thunderphone-webhooks trigger call.complete --url http://127.0.0.1:3000/thunderphone-webhook --data ./call.json
  thunderphone-webhooks trigger --list

exit status: 0 when the reply is 2xx and, for a blocking event, a valid agent configuration
or {} that came within the 2 s ThunderPhone waits; 1 otherwise, including a non-2xx, no reply,
an invalid configuration, or a blocking reply slower than the 2 s ThunderPhone waits, even when
--timeout-ms lets trigger wait for it (ThunderPhone would have used the static agent);
2 for a usage error.
`;

const FLAGS = {
  url: { type: 'string' },
  secret: { type: 'string' },
  data: { type: 'string' },
  'event-id': { type: 'string' },
  'timeout-ms': { type: 'string' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runTrigger(argv: string[], io: CliIO): Promise<number> {
  // Every stderr line passes through here: a message may quote a file, an argument or an error.
  const say: CliIO = { ...io, stderr: oneLineWriter(io.stderr) };
  try {
    return await trigger(argv, say);
  } catch (error) {
    if (error instanceof UsageError) {
      say.stderr.write(`trigger: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof DeliveryError) {
      say.stderr.write(`trigger: ${error.message}\n`);
      return EXIT.failure;
    }
    throw error;
  }
}

async function trigger(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv);
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (values.list) {
    io.stdout.write(listTypes());
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(
      // The extra words are not quoted: a stray value is often a secret that lost its --secret.
      `expected one event type, got ${positionals.length} words after "trigger" (a value needs its flag, e.g. --secret whsec_...)`,
    );
  const requested = positionals[0];
  if (values.url === undefined) throw new UsageError('--url is required, e.g. --url http://127.0.0.1:3000/thunderphone-webhook');
  checkUrl(values.url);
  const secret = pickSecret(values.secret, io);
  warnAboutSecrets([secret.value], { warn: (message) => io.stderr.write(`trigger: warning: ${message}\n`) });
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : parseTimeout(values['timeout-ms']);
  const userJson = values.data === undefined ? undefined : await readJsonFile(resolve(io.cwd, values.data), values.data);

  if (requested !== undefined && !isKnownType(requested)) {
    io.stderr.write(`trigger: warning: ${quote(requested)} is not an event type this version knows; sending it anyway, since ThunderPhone may add types\n`);
  }
  const envelope = compose(requested, userJson, values['event-id']);
  const body = toWireBody(envelope);
  const eventId = typeof envelope.event_id === 'string' ? `event_id ${envelope.event_id}, ` : '';
  io.stdout.write(
    `POST ${values.url}\n` +
      `event: ${envelope.type} (${eventId}${Buffer.byteLength(body)} bytes, signed with the secret from ${secret.source})\n`,
  );

  const result = await sendDelivery({
    url: values.url,
    body,
    secret: secret.value,
    type: envelope.type,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  const report = reportDelivery(result);
  io.stdout.write(`${report.lines.join('\n')}\n`);
  if (result.timedOut && isBlockingType(envelope.type) && timeoutMs === undefined) {
    io.stdout.write('(pass --timeout-ms 10000 to wait for the late reply and see it)\n');
  }
  return report.ok ? 0 : 1;
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: attachNegativeValues(argv, FLAGS), options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag${flag ? ` ${flag}` : ''} (see "thunderphone-webhooks trigger --help")`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${flag ?? 'a flag'} needs a value`;
  return reasonOf(message);
}

function listTypes(): string {
  const width = Math.max(...KNOWN_EVENT_TYPES.map((t) => t.length));
  return KNOWN_EVENT_TYPES.map((type) => {
    const kind = isBlockingType(type) ? 'blocking' : '        ';
    return `${type.padEnd(width)}  ${kind}  ${EVENT_DESCRIPTIONS[type]}\n`;
  }).join('');
}

// Read as serve reads it (see splitSecretList), so both sides use the same key.
function pickSecret(flag: string | undefined, io: CliIO): { value: string; source: string } {
  if (flag !== undefined) {
    if (flag === '') throw new UsageError('--secret is empty; pass your whsec_... webhook secret');
    return { value: flag, source: '--secret' };
  }
  const fromEnv = io.env[SECRET_ENV];
  if (fromEnv === undefined || fromEnv === '') {
    throw new UsageError(`no secret to sign with: pass --secret whsec_... or set ${SECRET_ENV}`);
  }
  const list = splitSecretList(fromEnv);
  if ('problem' in list) throw new UsageError(list.problem);
  const [first] = list.secrets as [string, ...string[]];
  return { value: first, source: list.secrets.length > 1 ? `${SECRET_ENV} (the first of ${list.secrets.length})` : SECRET_ENV };
}

function checkUrl(text: string): void {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError(`--url ${quote(hideUrlCredentials(text))} is not an http(s) URL (e.g. http://127.0.0.1:3000/thunderphone-webhook)`);
  }
  if (hasUrlCredentials(url)) {
    throw new UsageError('--url must not hold user:password@ (ThunderPhone sends no credentials in the URL); remove them');
  }
}

function parseTimeout(text: string): number {
  const ms = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(ms) || ms <= 0 || ms > MAX_TIMER_MS) {
    throw new UsageError(`--timeout-ms must be a positive whole number of milliseconds up to ${MAX_TIMER_MS}, got ${quote(text)}`);
  }
  return ms;
}

async function readJsonFile(path: string, shown: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(`cannot read --data ${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : reasonOf(error)}`);
  }
  try {
    return parseJsonLossless(text.replace(/^\uFEFF/, ''), { bigint: true });
  } catch (error) {
    throw new UsageError(`--data ${shown} is not valid JSON: ${reasonOf(error, MAX_REASON)}`);
  }
}

function compose(type: string | undefined, userJson: unknown, eventId: string | undefined) {
  try {
    return composeEnvelope(type, userJson, eventId);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}
