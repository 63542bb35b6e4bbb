import { parseArgs } from 'node:util';
import { MAX_TIMER_MS, parseByteLimit } from '../core/limits.js';
import { attachNegativeValues, describeParseError, parsePort } from './args.js';
import { parseEventTarget } from './event-target-flags.js';
import { LOG_FLAG, parseLogFormat, type LogFormat } from './log-format.js';
import { quote } from './one-line.js';
import { SECRET_ENV, splitSecretList } from './secret-list.js';

export { SECRET_ENV } from './secret-list.js';
export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PATH = '/thunderphone-webhook';
export const HEALTH_PATH = '/healthz';

export const SERVE_USAGE = `usage: thunderphone-webhooks serve [flags]

Runs a receiver that verifies every delivery's X-ThunderPhone-Signature, then prints each verified
event to stdout as one JSON line, and answers it (or hands it to --handlers / --forward-to).

flags:
  --port N            port to listen on (default ${DEFAULT_PORT}; 0 picks a free port)
  --host HOST         address to bind (default ${DEFAULT_HOST})
  --path PATH         where webhooks are accepted (default ${DEFAULT_PATH}); GET ${HEALTH_PATH} is the health check
  --secret whsec_...  webhook secret; repeat for several during rotation
                      (default: ${SECRET_ENV}, comma-separated for several, spaces
                      around each ignored; with neither, a development secret is generated
                      and printed). A --secret value is used exactly as given.
  --handlers FILE     module exporting handlers: a default or named "handlers" export that maps
                      event types (or "*") to functions, or a function (receiver) => void
  --forward-to URL    re-POST each verified delivery, byte for byte with its headers, to your app
                      and relay its reply (agent configuration for blocking events)
  --deadline-ms N     how long a blocking event may take before {} is sent (default 1800)
  --limit SIZE        largest body accepted, in bytes or like "512kb", "1mb" (default 1mb)
  --body-timeout-ms N how long a client may take to send the body before a 408 (default 10000)
  --dedupe memory     handle each event once: a re-delivery of a handled event is acknowledged
                      without running the handlers again (keys kept 24 h in this process)
  --dedupe redis://HOST:PORT/DB
                      the same, shared by every instance pointed at that Redis (needs the
                      ioredis package); rediss:// for TLS
  --dedupe-lease-ms N how long a claim on an event lasts unless renewed (default 30000); after a
                      crash, the event can run again elsewhere once it runs out
  --verbose           also log each delivery and its status to stderr
  --log FORMAT        how log lines on stderr look: "pretty" (default on a terminal; coloured
                      unless NO_COLOR is set) or "json" (one JSON object per line; the default
                      when stderr is not a terminal)
  --help              show this help

examples:
  THUNDERPHONE_WEBHOOK_SECRET=whsec_... thunderphone-webhooks serve --port 3000
  thunderphone-webhooks serve --handlers ./handlers.mjs --secret whsec_old --secret whsec_new
  thunderphone-webhooks serve --forward-to http://127.0.0.1:8080/thunderphone-webhook --log json

exit status: 0 after a clean stop (SIGTERM or SIGINT), 1 when it cannot start (port in use, a
handlers module that fails to load), 2 for a usage error.
`;

export interface ServeOptions {
  port: number;
  host: string;
  path: string;
  /** Configured secrets; undefined means none was given, so a development secret is generated. */
  secrets: string[] | undefined;
  handlers: string | undefined;
  forwardTo: URL | undefined;
  deadlineMs: number | undefined;
  limit: number | undefined;
  bodyTimeoutMs: number | undefined;
  /** The --dedupe value as given; serve-dedupe.ts turns it into a store. */
  dedupe: string | undefined;
  dedupeLeaseMs: number | undefined;
  verbose: boolean;
  /** --log as given; undefined picks by whether stderr is a terminal (chooseLogFormat). */
  log: LogFormat | undefined;
}

export type ParsedServeArgs = { kind: 'help' } | { kind: 'options'; options: ServeOptions } | { kind: 'error'; message: string };

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  path: { type: 'string' },
  secret: { type: 'string', multiple: true },
  handlers: { type: 'string' },
  'forward-to': { type: 'string' },
  'deadline-ms': { type: 'string' },
  limit: { type: 'string' },
  'body-timeout-ms': { type: 'string' },
  dedupe: { type: 'string' },
  'dedupe-lease-ms': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  ...LOG_FLAG,
} as const;

/** Reads flags and the environment. Every mistake becomes one line, never an exception. */
export function parseServeArgs(argv: string[], env: Record<string, string | undefined>): ParsedServeArgs {
  let values;
  try {
    ({ values } = parseArgs({ args: attachNegativeValues(argv, FLAGS), strict: true, allowPositionals: false, options: FLAGS }));
  } catch (error) {
    return fail(describeParseError(error));
  }
  if (values.help) return { kind: 'help' };

  const port = values.port === undefined ? DEFAULT_PORT : parsePort(values.port);
  if (port === undefined) return fail(`--port must be an integer from 0 to 65535, got ${quote(values.port ?? "")}`);

  const host = values.host ?? DEFAULT_HOST;
  if (host.trim() === '') return fail('--host must not be empty');

  const path = values.path ?? DEFAULT_PATH;
  if (!path.startsWith('/') || /[?#\s]/.test(path)) {
    return fail(`--path must start with "/" and hold no "?", "#" or spaces, got ${quote(path)}`);
  }
  if (path === HEALTH_PATH) return fail(`--path ${HEALTH_PATH} is taken by the health check; choose another path`);

  const secrets = readSecrets(values.secret, env);
  if (typeof secrets === 'string') return fail(secrets);

  const target = parseEventTarget(values.handlers, values['forward-to']);
  if ('problem' in target) return fail(target.problem);
  const forwardTo = target.forwardTo;

  const deadlineMs = parseTimerFlag(values['deadline-ms']);
  if (Number.isNaN(deadlineMs)) return fail(timerFlagProblem('--deadline-ms', values['deadline-ms'] ?? ''));
  const bodyTimeoutMs = parseTimerFlag(values['body-timeout-ms']);
  if (Number.isNaN(bodyTimeoutMs)) return fail(timerFlagProblem('--body-timeout-ms', values['body-timeout-ms'] ?? ''));

  let limit: number | undefined;
  if (values.limit !== undefined) {
    try {
      limit = parseByteLimit(values.limit);
    } catch {
      return fail(`--limit must be a positive byte count or a size like "512kb" or "1mb", got ${quote(values.limit)}`);
    }
  }

  let log: LogFormat | undefined;
  if (values.log !== undefined) {
    const chosen = parseLogFormat(values.log);
    if (typeof chosen !== 'string') return fail(chosen.problem);
    log = chosen;
  }

  let dedupeLeaseMs: number | undefined;
  if (values['dedupe-lease-ms'] !== undefined) {
    if (values.dedupe === undefined) return fail('--dedupe-lease-ms needs --dedupe');
    dedupeLeaseMs = /^\s*\d+(\.\d+)?\s*$/.test(values['dedupe-lease-ms']) ? Number(values['dedupe-lease-ms']) : NaN;
    if (!(dedupeLeaseMs >= 1 && dedupeLeaseMs <= MAX_TIMER_MS)) {
      return fail(`--dedupe-lease-ms must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${quote(values['dedupe-lease-ms'])}`);
    }
  }

  return {
    kind: 'options',
    options: {
      port,
      host,
      path,
      secrets,
      handlers: values.handlers,
      forwardTo,
      deadlineMs,
      limit,
      bodyTimeoutMs,
      dedupe: values.dedupe,
      dedupeLeaseMs,
      verbose: values.verbose ?? false,
      log,
    },
  };
}

function fail(message: string): ParsedServeArgs {
  return { kind: 'error', message };
}

/** undefined when the flag is absent, NaN when it is not a positive number of ms a timer can honour. */
function parseTimerFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : NaN;
  return ms > 0 && ms <= MAX_TIMER_MS ? ms : NaN;
}

function timerFlagProblem(flag: string, text: string): string {
  return `${flag} must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${quote(text)}`;
}

/**
 * Flags win over the environment. An empty value is a mistake (often an unset variable in a
 * deploy script), never "no secret", because that would silently switch to a generated secret.
 * Messages name where the secret came from and never quote it.
 */
function readSecrets(flags: string[] | undefined, env: Record<string, string | undefined>): string[] | undefined | string {
  if (flags !== undefined && flags.length > 0) {
    const empty = flags.findIndex((s) => s.length === 0);
    if (empty >= 0) return `--secret #${empty + 1} is empty; pass your whsec_... webhook secret`;
    return flags;
  }
  const fromEnv = env[SECRET_ENV];
  if (fromEnv === undefined) return undefined;
  if (fromEnv.length === 0) {
    return `${SECRET_ENV} is set but empty; set it to your whsec_... webhook secret, or unset it to use a generated development secret`;
  }
  const list = splitSecretList(fromEnv);
  return 'problem' in list ? list.problem : list.secrets;
}
