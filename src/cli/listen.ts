import { randomBytes } from 'node:crypto';
import { resolveConfig } from '../api/config.js';
import { ThunderPhoneApiError } from '../api/errors.js';
import type { ApiOptions } from '../api/index.js';
import { validateWebhookUrl } from '../api/url.js';
import { createReceiver } from '../core/create-receiver.js';
import { describeError } from '../core/logger.js';
import { commandTunnel, ngrokTunnel, noTunnel, TunnelError, type Tunnel, type TunnelProvider } from '../tunnel/index.js';
import type { CliIO } from './io.js';
import { listenLabel, registerEndpoint, registerLegacy, type Registration } from './listen-endpoint.js';
import { deliveryFacts, type SeenEvents } from './listen-facts.js';
import { offerLeftoverRemoval } from './listen-leftovers.js';
import { listenForStop } from './listen-stop.js';
import { createGate } from './listen-gate.js';
import { choosePalette, deliveryLine } from './listen-line.js';
import { defaultStateDir } from './listen-legacy-state.js';
import { LISTEN_USAGE, parseListenArgs, type ListenOptions, type TunnelKind } from './listen-options.js';
import { runSelfTest } from './listen-selftest.js';
import { oneLineWriter, reasonOf } from './one-line.js';
import { createRelay, ForwardError } from './serve-forward.js';
import { HandlersModuleError, installHandlers, loadHandlersModule, type LoadedHandlers } from './serve-handlers.js';
import { createStreamLogger } from './serve-logger.js';
import { createEventPrinter } from './serve-print.js';
import { startServer, type RunningServer } from './serve-server.js';
import type { SignalSource, StopSignal } from './serve.js';

export interface ListenIO extends CliIO {
  signals?: SignalSource;
  /** Asks a question on the terminal; absent when nobody can answer (not a TTY). */
  ask?: (question: string) => Promise<string>;
  /** Replaces the built-in tunnel providers, by --tunnel name (tests use a loopback proxy). */
  tunnels?: Partial<Record<TunnelKind, TunnelProvider>>;
  /** The machine name in the endpoint label; default os.hostname(). */
  hostname?: string;
  /** Where --legacy keeps the URL to restore while it runs; default ~/.thunderphone-webhooks. */
  stateDir?: string;
}

const NAME = 'thunderphone-webhooks listen';
const CLOSE_TIMEOUT_MS = 3000;
const LINGER_GRACE_MS = 2000;

/** Thrown to unwind start-up when a stop signal came in the middle of it. */
class Stopped extends Error {
  constructor(readonly signal: StopSignal) {
    super(`received ${signal} while starting`);
  }
}

/** `thunderphone-webhooks listen`: resolves with the exit code once everything is cleaned up. */
export async function runListen(argv: string[], given: ListenIO): Promise<number> {
  const io: ListenIO = { ...given, stderr: oneLineWriter(given.stderr) };
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const parsed = parseListenArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(LISTEN_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    say(`${NAME}: ${parsed.message} (see --help)`);
    return 2;
  }
  const options = parsed.options;
  const api: ApiOptions = {
    env: io.env,
    onRetry: ({ reason, attempt, maxAttempts }) => say(`${NAME}: ${reason}; retrying (attempt ${attempt} of ${maxAttempts})`),
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
  };
  try {
    resolveConfig(api); // a missing or malformed key is a usage error, before anything starts
  } catch (error) {
    say(`${NAME}: ${apiProblem(error)}`);
    return 2;
  }
  let loaded: LoadedHandlers | undefined;
  if (options.handlers !== undefined) {
    try {
      loaded = await loadHandlersModule(options.handlers, io.cwd);
    } catch (error) {
      say(`${NAME}: ${error instanceof HandlersModuleError ? error.message : reasonOf(error)}`);
      return 1;
    }
  }

  const palette = choosePalette(given.stderr, io.env);
  const logger = createStreamLogger(io.stderr, { verbose: options.verbose });
  const printer = createEventPrinter(io.stdout, logger);
  const relay = options.forwardTo === undefined ? undefined : createRelay(options.forwardTo);
  const seen: SeenEvents = new WeakMap();
  const nonce = randomBytes(12).toString('hex');
  const deadlineMs = options.deadlineMs ?? 1800;
  const gate = createGate({
    logger,
    selfTestNonce: nonce,
    // Straight to the real stream: the one-line writer would strip the colours. deliveryLine
    // makes each of its parts one line itself.
    onAnswered: (request, response, latencyMs) =>
      given.stderr.write(`${deliveryLine(deliveryFacts(request, response, latencyMs, seen, relay, deadlineMs), palette)}\n`),
  });
  const stop = listenForStop(io.signals ?? process, (count) => {
    if (count === 1) {
      say(`${NAME}: still cleaning up; a third Ctrl-C quits now and leaves the endpoint for the next start to remove`);
    } else if (io.signals === undefined) {
      say(`${NAME}: quitting without finishing the cleanup`);
      process.exit(130);
    }
  });

  let server: RunningServer | undefined;
  let tunnel: Tunnel | undefined;
  let registration: Registration | undefined;
  let exitCode = 0;
  const checkStop = () => {
    if (stop.received) throw new Stopped(stop.received);
  };
  try {
    server = await startServer({ host: '127.0.0.1', port: options.port, path: options.path, core: gate, logger });
    say(`${NAME}: local receiver on ${server.url}`);
    checkStop();

    const provider = chooseProvider(options, io, logger.debug);
    tunnel = await provider.start(server.port);
    const webhookUrl = `${tunnel.publicUrl}${options.path}`;
    say(`${NAME}: tunnel (${provider.name}) ${tunnel.publicUrl} -> 127.0.0.1:${server.port}`);
    validateWebhookUrl(webhookUrl);
    checkStop();

    if (options.legacy) {
      registration = await registerLegacy(webhookUrl, { ...api, baseUrl: resolveConfig(api).baseUrl }, io.stateDir ?? defaultStateDir(), (line) =>
        say(`${NAME}: ${line}`),
      );
    } else {
      const label = listenLabel(io.hostname);
      await offerLeftoverRemoval(label, webhookUrl, options, io, api, say);
      checkStop();
      registration = await registerEndpoint(webhookUrl, label, options.events, api);
    }
    say(`${NAME}: ${webhookUrl} is registered as ${registration.description}`);
    checkStop();

    const receiver = createReceiver({
      secrets: [registration.secret],
      logger,
      deadlineMs,
      // What the app behind --forward-to did is on the delivery's own line; other failures are logged in full.
      onError: (error, info) => {
        const message = `handler for ${info.type} failed${info.phase === 'late' ? ' after its reply was sent' : ''}`;
        if (error instanceof ForwardError) logger.debug(`${message}: ${error.message}`);
        else logger.error(message, { error: describeError(error) });
      },
    });
    const handlers = loaded ?? (relay ? { kind: 'map' as const, handlers: { '*': relay.handler } } : undefined);
    await installHandlers(receiver, handlers, (event, context) => {
      const callId = (event.data as { call_id?: unknown } | undefined)?.call_id;
      seen.set(context.rawBody, { type: event.type, callId: callId === undefined || callId === null ? undefined : String(callId) });
      printer.print(context.rawBody);
    });
    gate.open(relay ? relay.wrap(receiver) : receiver, registration.secret);

    if (options.selfTest) {
      const result = await runSelfTest(webhookUrl, registration.secret, nonce);
      if (!result.ok) throw new SelfTestFailed(result.message);
      say(`${NAME}: self-test passed: a signed delivery through the public URL was verified here (${Math.round(result.latencyMs)} ms)`);
    }
    checkStop();
    if (options.forwardTo !== undefined) {
      say(`${NAME}: forwarding each verified delivery to ${options.forwardTo.href}; its status and body go back to ThunderPhone`);
      // Printed on purpose, once: the app needs it to verify the forwarded signatures.
      say(`${NAME}: your app's webhook secret for this session (THUNDERPHONE_WEBHOOK_SECRET): ${registration.secret}`);
    }
    say(`${NAME}: ready: waiting for deliveries; Ctrl-C stops and ${options.legacy ? 'restores the legacy URL' : 'deletes the endpoint'}`);

    const ended = await Promise.race([
      stop.first.then((signal) => ({ kind: 'signal' as const, signal })),
      ...(tunnel.closed ? [tunnel.closed.then((reason) => ({ kind: 'tunnel' as const, reason }))] : []),
    ]);
    if (ended.kind === 'tunnel') {
      say(`${NAME}: the tunnel stopped (${ended.reason}); cleaning up`);
      exitCode = 1;
    } else {
      say(`${NAME}: received ${ended.signal}; cleaning up`);
    }
  } catch (error) {
    if (error instanceof Stopped) {
      say(`${NAME}: ${error.message}; cleaning up`);
    } else {
      say(`${NAME}: ${failure(error)}`);
      exitCode = 1;
    }
  }

  // Cleanup: the endpoint first (it matters most), then the tunnel, then the local server.
  if (registration !== undefined) {
    try {
      say(`${NAME}: ${await registration.undo()}`);
    } catch (error) {
      exitCode = 1;
      say(
        `${NAME}: cleanup FAILED: ${failure(error)}. ` +
          (options.legacy
            ? 'The legacy webhook still points at the closed tunnel: set it back with "thunderphone-webhooks setup --url URL"'
            : 'The endpoint is left over; the next "thunderphone-webhooks listen" on this machine offers to remove it'),
      );
    }
  }
  if (tunnel !== undefined) await tunnel.close().catch(() => {});
  if (server !== undefined) await server.close(CLOSE_TIMEOUT_MS);
  printer.dispose();
  stop.dispose();
  say(`${NAME}: stopped`);
  if (io.signals === undefined) setTimeout(() => process.exit(), LINGER_GRACE_MS).unref();
  return exitCode;
}

class SelfTestFailed extends Error {}

function chooseProvider(options: ListenOptions, io: ListenIO, debug: (line: string) => void): TunnelProvider {
  const override = io.tunnels?.[options.tunnel];
  if (override) return override;
  if (options.tunnel === 'command') {
    return commandTunnel({ command: options.tunnelCommand as string, env: io.env, cwd: io.cwd, onOutput: (line) => debug(`tunnel: ${line}`) });
  }
  if (options.tunnel === 'none') return noTunnel(options.publicUrl as string);
  return ngrokTunnel({ env: io.env });
}

function apiProblem(error: unknown): string {
  if (error instanceof ThunderPhoneApiError && error.code === 'missing_api_key') {
    return 'no API key: set THUNDERPHONE_API_KEY or pass --api-key (an sk_live_ key of an admin or owner; listen manages a webhook endpoint with it)';
  }
  return reasonOf(error);
}

function failure(error: unknown): string {
  if (error instanceof TunnelError || error instanceof SelfTestFailed || error instanceof ThunderPhoneApiError) return reasonOf(error, 600);
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') return 'cannot listen: the port is already in use; choose another --port, or leave it out for a free one';
  return reasonOf(error);
}

