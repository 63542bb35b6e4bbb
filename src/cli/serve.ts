import { createReceiver } from '../core/create-receiver.js';
import { containUnhandledRejections } from '../node/unhandled-rejections.js';
import type { DedupeStore } from '../core/dedupe-store.js';
import { describeRedisUrl } from '../redis/redis-url.js';
import { hideUrlCredentials } from '../sender/url-credentials.js';
import type { Receiver } from '../core/receiver.js';
import type { CliIO } from './io.js';
import { oneLineWriter, reasonOf } from './one-line.js';
import { DedupeUsageError, dedupeStoreFromFlag } from './serve-dedupe.js';
import { devSecretNotice, generateDevSecret } from './serve-dev-secret.js';
import { createRelay, type Relay } from './serve-forward.js';
import { HandlersModuleError, installHandlers, loadHandlersModule, type LoadedHandlers } from './serve-handlers.js';
import { chooseLogFormat, colorEnabled, statusWriter } from './log-format.js';
import { createStreamLogger } from './serve-logger.js';
import { SERVE_USAGE, parseServeArgs, type ServeOptions } from './serve-options.js';
import { createEventPrinter } from './serve-print.js';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS, startServer, type RunningServer } from './serve-server.js';

export { startServer, type RunningServer, type StartServerOptions } from './serve-server.js';

export type StopSignal = 'SIGTERM' | 'SIGINT';

/** Where stop signals come from: `process` by default; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
  off(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
}

export interface ServeIO extends CliIO {
  signals?: SignalSource;
  /** How long in-flight requests may take after a stop signal. Default 10 s. */
  shutdownTimeoutMs?: number;
}

const NAME = 'thunderphone-webhooks serve';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGTERM', 'SIGINT'];
// ThunderPhone waits about 2 s for a blocking reply before it falls back to the static agent.
const THUNDERPHONE_BLOCKING_WAIT_MS = 2000;
const LINGER_GRACE_MS = 2000;

/** `thunderphone-webhooks serve`: resolves with the exit code once the server has shut down. */
export async function runServe(argv: string[], given: ServeIO): Promise<number> {
  // Every stderr line passes through here: a message may quote an argument, a path or an error.
  const io: ServeIO = { ...given, stderr: oneLineWriter(given.stderr) };
  const parsed = parseServeArgs(argv, io.env);
  if (parsed.kind === 'help') {
    io.stdout.write(SERVE_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.stderr.write(`${NAME}: ${parsed.message} (see --help)\n`);
    return 2;
  }
  const options = parsed.options;
  // Usage errors stay plain text whatever --log says: they are for the person at the prompt.
  const plainStderr = io.stderr;
  const format = chooseLogFormat(options.log, given.stderr);
  // From here on, serve's own lines follow --log too. The logger writes to the raw stream: it
  // makes its own single lines, and its colour codes would not survive oneLineWriter.
  io.stderr = statusWriter(io.stderr, format, `${NAME}:`);
  const logger = createStreamLogger(given.stderr, { verbose: options.verbose, format, color: colorEnabled(given.stderr, io.env) });
  const devSecret = options.secrets === undefined ? generateDevSecret() : undefined;

  let dedupe: DedupeStore | undefined;
  try {
    dedupe = options.dedupe === undefined ? undefined : await dedupeStoreFromFlag(options.dedupe, logger);
  } catch (error) {
    const usage = error instanceof DedupeUsageError;
    (usage ? plainStderr : io.stderr).write(`${NAME}: ${withoutPrefix(error)}${usage ? ' (see --help)' : ''}\n`);
    return usage ? 2 : 1;
  }
  const closeDedupe = () => dedupe?.close?.().catch((error: unknown) => logger.warn(`closing the dedupe store failed: ${reasonOf(error)}`));

  let receiver: Receiver;
  try {
    receiver = createReceiver({
      secrets: options.secrets ?? [devSecret as string],
      logger,
      ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: options.bodyTimeoutMs } : {}),
      ...(dedupe !== undefined ? { dedupe: { store: dedupe, leaseMs: options.dedupeLeaseMs } } : {}),
    });
  } catch (error) {
    await closeDedupe();
    plainStderr.write(`${NAME}: ${withoutPrefix(error)}\n`);
    return 2;
  }
  if (receiver.deadlineMs >= THUNDERPHONE_BLOCKING_WAIT_MS) {
    logger.warn(`--deadline-ms ${receiver.deadlineMs} is not under ThunderPhone's ~2 s wait, so the static agent may answer before your reply does`);
  }

  const printer = createEventPrinter(io.stdout, logger);
  const relay = options.forwardTo === undefined ? undefined : createRelay(options.forwardTo);
  let registered: string[];
  try {
    registered = await installHandlers(receiver, await chooseHandlers(options, io.cwd, relay), (event, context) => {
      logger.info(`verified ${event.type}${typeof event.event_id === 'string' ? ` (event_id ${event.event_id})` : ''}`);
      printer.print(context.rawBody);
    });
  } catch (error) {
    printer.dispose();
    await closeDedupe();
    io.stderr.write(`${NAME}: ${error instanceof HandlersModuleError ? error.message : withoutPrefix(error)}\n`);
    return 1;
  }

  let server: RunningServer;
  try {
    server = await startServer({
      host: options.host,
      port: options.port,
      path: options.path,
      core: relay ? relay.wrap(receiver) : receiver,
      logger,
      // A longer --body-timeout-ms must not be cut short by the whole-request bound.
      requestTimeoutMs: Math.max(REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS + receiver.bodyTimeoutMs),
    });
  } catch (error) {
    printer.dispose();
    await closeDedupe();
    io.stderr.write(`${NAME}: ${listenFailure(error, options)}\n`);
    return 1;
  }
  // Listening for stop signals before announcing the URL: whoever reads that line may signal at once.
  const stop = listenForStop(io.signals ?? process);
  // serve owns its process: a handler's leaked rejection is logged, not a crash that drops every
  // delivery in flight (kept until exit). In-process callers (tests, with injected signals) keep their own policy.
  if (io.signals === undefined) containUnhandledRejections({ logger });
  io.stderr.write(`${describeMode(options, registered)}\n`);
  if (options.dedupe !== undefined) io.stderr.write(`${describeDedupe(options.dedupe)}\n`);
  io.stderr.write(`listening on ${server.url}\n`);
  // Several lines on purpose, all composed here from values already checked.
  if (devSecret !== undefined) (format === 'json' ? io.stderr : given.stderr).write(devSecretNotice(devSecret, server.url));

  try {
    const signal = await stop.first;
    stop.onRepeat(() => {
      io.stderr.write('second stop signal: closing all connections now\n');
      server.closeNow();
    });
    const busy = server.inFlight();
    const timeoutMs = io.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS;
    io.stderr.write(
      `received ${signal}: no longer accepting connections; ` +
        (busy > 0 ? `waiting for ${busy} in-flight request${busy === 1 ? '' : 's'} (at most ${timeoutMs / 1000} s)\n` : 'nothing in flight\n'),
    );
    const { forced } = await server.close(timeoutMs);
    io.stderr.write(forced > 0 ? `stopped; ${forced} request${forced === 1 ? ' was' : 's were'} still running and cut off\n` : 'stopped\n');
  } finally {
    stop.dispose();
    printer.dispose();
    await closeDedupe();
  }
  if (io.signals === undefined) exitIfSomethingLingers();
  return 0;
}

async function chooseHandlers(options: ServeOptions, cwd: string, relay: Relay | undefined): Promise<LoadedHandlers | undefined> {
  if (options.handlers !== undefined) return loadHandlersModule(options.handlers, cwd);
  if (relay !== undefined) return { kind: 'map', handlers: { '*': relay.handler } };
  return undefined;
}

function describeDedupe(value: string): string {
  const where = /^rediss?:\/\//i.test(value.trim())
    ? `shared by every instance using Redis at ${describeRedisUrl(value.trim())}`
    : hideUrlCredentials(value.trim());
  return `dedupe: ${where}; a re-delivery of a handled event is acknowledged without running the handlers, and one that arrives while the first is still running gets 409 so ThunderPhone retries`;
}

function describeMode(options: ServeOptions, registered: string[]): string {
  if (options.forwardTo !== undefined) {
    return `forwarding every verified event to ${options.forwardTo.href}; its reply to a blocking event is the agent configuration (or {} if it is late or invalid), and its status and body on any other event go back as they are (502 if it cannot be reached). Each event is also printed to stdout as one JSON line.`;
  }
  if (options.handlers !== undefined) {
    return `handlers from ${options.handlers}: ${registered.join(', ')}. Every verified event is also printed to stdout as one JSON line.`;
  }
  return 'no handlers: every verified event is printed to stdout as one JSON line and acknowledged; blocking events get {} (the number\'s static agent).';
}

interface StopListener {
  first: Promise<StopSignal>;
  /** What to do on the next signals, once shutdown has begun. */
  onRepeat(action: () => void): void;
  dispose(): void;
}

// Listening through shutdown too, so a second Ctrl-C is ours (cut slow requests off), not Node's
// default exit with a non-zero code.
function listenForStop(source: SignalSource): StopListener {
  let resolveFirst: (signal: StopSignal) => void = () => {};
  const first = new Promise<StopSignal>((resolve) => (resolveFirst = resolve));
  let received = false;
  let repeat: () => void = () => {};
  const listener = (signal: StopSignal) => {
    if (received) return repeat();
    received = true;
    resolveFirst(signal);
  };
  for (const signal of STOP_SIGNALS) source.on(signal, listener);
  return {
    first,
    onRepeat: (action) => (repeat = action),
    dispose: () => {
      for (const signal of STOP_SIGNALS) source.off(signal, listener);
    },
  };
}

/**
 * The server is closed; normally the process now exits by itself. A timer or socket left open by a
 * handlers module would keep it running after SIGTERM, so exit anyway after a short grace. The
 * timer is unref'd: it only fires if something else is still holding the process open.
 */
function exitIfSomethingLingers(): void {
  setTimeout(() => process.exit(), LINGER_GRACE_MS).unref();
}

function listenFailure(error: unknown, options: ServeOptions): string {
  const code = (error as { code?: string }).code;
  const where = `${options.host}:${options.port}`;
  if (code === 'EADDRINUSE') return `cannot listen on ${where}: the port is already in use; choose another --port, or --port 0 for a free one`;
  if (code === 'EACCES') return `cannot listen on ${where}: permission denied; use a port above 1023`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `cannot listen on ${where}: no such local address; check --host`;
  return `cannot listen on ${where}: ${withoutPrefix(error)}`;
}

function withoutPrefix(error: unknown): string {
  return reasonOf(error).replace(/^thunderphone-webhooks: /, '');
}
