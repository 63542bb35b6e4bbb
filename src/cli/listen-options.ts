import { parseArgs } from 'node:util';
import { validateEndpointEvents, type EndpointEventType } from '../api/event-names.js';
import { ThunderPhoneApiError } from '../api/errors.js';
import { MAX_TIMER_MS } from '../core/limits.js';
import { hasUrlCredentials, hideUrlCredentials } from '../sender/url-credentials.js';
import { attachNegativeValues, describeParseError, parseHttpUrl, parsePort } from './args.js';
import { parseEventTarget } from './event-target-flags.js';
import { quote, reasonOf } from './one-line.js';
import { DEFAULT_PATH, HEALTH_PATH } from './serve-options.js';

export type TunnelKind = 'ngrok' | 'command' | 'none';

export const LISTEN_USAGE = `usage: thunderphone-webhooks listen [flags]

Receives real ThunderPhone webhooks on this machine: starts a local receiver, opens a tunnel to
it, registers the tunnel's URL as a temporary webhook endpoint (labelled "listen: <hostname>")
and verifies every delivery with that endpoint's secret. Each delivery is printed as one line
on stderr (and the event as one JSON line on stdout). Ctrl-C deletes the endpoint and stops.

flags:
  --forward-to URL        re-POST each verified delivery, byte for byte with its headers, to your
                          running app, and send its status and body back to ThunderPhone (its
                          reply to telephony.incoming is the agent configuration). The endpoint's
                          secret is printed once, for your app to verify with.
  --handlers FILE         handle events with a handlers module, as serve does
                          (with neither, events are printed and acknowledged)
  --events a,b            event types to subscribe to (default: all): telephony.incoming,
                          telephony.complete, telephony.tool, web.incoming, web.complete, web.tool,
                          call.graded, issue.reported, test-call.completed
  --port N                local port (default 0: a free one)
  --path PATH             local webhook path (default ${DEFAULT_PATH})
  --tunnel KIND           ngrok (needs the optional package @ngrok/ngrok and NGROK_AUTHTOKEN),
                          command (runs --tunnel-command), or none (uses --public-url). Default:
                          command with --tunnel-command, none with --public-url, else ngrok
  --tunnel-command CMD    a tunnel CLI to run; {port} is replaced by the local port, and the
                          public URL is read from its output, e.g.
                          "cloudflared tunnel --url http://localhost:{port}"
  --public-url URL        the public URL of a tunnel you already run to the local --port
  --remove-leftovers      delete endpoints left by earlier runs on this machine without asking
  --skip-self-test        do not send the signed test delivery through the public URL
  --legacy                use the organization's single legacy webhook URL (which receives
                          call.incoming and every other event) instead of a temporary endpoint;
                          needs --replace-legacy-webhook
  --replace-legacy-webhook
                          consent for --legacy: each change of that URL ROTATES the org's secret,
                          so a deployed receiver breaks while listen runs; the previous URL is
                          put back on exit (with yet another new secret)
  --deadline-ms N         how long a blocking event may take before {} is sent (default 1800)
  --api-key KEY           an sk_live_ key of an admin or owner (default THUNDERPHONE_API_KEY)
  --verbose               also log the tunnel's output and each request
  -h, --help              show this help

environment:
  THUNDERPHONE_API_KEY, THUNDERPHONE_API_URL, NGROK_AUTHTOKEN, NO_COLOR

examples:
  thunderphone-webhooks listen --tunnel-command "cloudflared tunnel --url http://localhost:{port}" --forward-to http://localhost:3000/thunderphone-webhook
  NGROK_AUTHTOKEN=... thunderphone-webhooks listen --handlers ./handlers.mjs --events telephony.incoming,telephony.complete
  thunderphone-webhooks listen --public-url https://my-tunnel.example.com --port 4000

exit status: 0 after Ctrl-C or SIGTERM with everything cleaned up; 1 when the tunnel dies, the
self-test fails, or cleanup fails; 2 for a usage error.
`;

export interface ListenOptions {
  forwardTo: URL | undefined;
  handlers: string | undefined;
  events: EndpointEventType[];
  port: number;
  path: string;
  tunnel: TunnelKind;
  tunnelCommand: string | undefined;
  publicUrl: string | undefined;
  removeLeftovers: boolean;
  selfTest: boolean;
  legacy: boolean;
  deadlineMs: number | undefined;
  apiKey: string | undefined;
  verbose: boolean;
}

export type ParsedListenArgs = { kind: 'help' } | { kind: 'options'; options: ListenOptions } | { kind: 'error'; message: string };

const FLAGS = {
  'forward-to': { type: 'string' },
  handlers: { type: 'string' },
  events: { type: 'string' },
  port: { type: 'string' },
  path: { type: 'string' },
  tunnel: { type: 'string' },
  'tunnel-command': { type: 'string' },
  'public-url': { type: 'string' },
  'remove-leftovers': { type: 'boolean' },
  'skip-self-test': { type: 'boolean' },
  legacy: { type: 'boolean' },
  'replace-legacy-webhook': { type: 'boolean' },
  'deadline-ms': { type: 'string' },
  'api-key': { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseListenArgs(argv: string[]): ParsedListenArgs {
  let values;
  try {
    ({ values } = parseArgs({ args: attachNegativeValues(argv, FLAGS), strict: true, allowPositionals: false, options: FLAGS }));
  } catch (error) {
    return fail(describeParseError(error));
  }
  if (values.help) return { kind: 'help' };

  if (values.legacy && !values['replace-legacy-webhook']) {
    return fail(
      '--legacy changes your organization\'s single webhook URL, and every change ROTATES its secret: a deployed receiver ' +
        'stops verifying deliveries until the secret is updated. Add --replace-legacy-webhook to accept that, or drop --legacy ' +
        'to use a temporary webhook endpoint (which touches nothing else)',
    );
  }
  if (values['replace-legacy-webhook'] && !values.legacy) return fail('--replace-legacy-webhook only goes with --legacy');

  const target = parseEventTarget(values.handlers, values['forward-to']);
  if ('problem' in target) return fail(target.problem);
  const forwardTo = target.forwardTo;

  let events: EndpointEventType[] = [];
  if (values.events !== undefined) {
    if (values.legacy) return fail('--events does not apply to --legacy: the legacy URL receives every event type');
    const names = values.events.split(',').map((name) => name.trim()).filter(Boolean);
    if (names.length === 0) return fail('--events needs at least one event type (omit it for all)');
    try {
      events = validateEndpointEvents(names);
    } catch (error) {
      return fail(`--events: ${error instanceof ThunderPhoneApiError ? error.message : reasonOf(error)}`);
    }
  }

  const port = values.port === undefined ? 0 : parsePort(values.port);
  if (port === undefined) return fail(`--port must be an integer from 0 to 65535, got ${quote(values.port ?? '')}`);

  const path = values.path ?? DEFAULT_PATH;
  if (!path.startsWith('/') || /[?#\s]/.test(path)) return fail(`--path must start with "/" and hold no "?", "#" or spaces, got ${quote(path)}`);
  if (path === HEALTH_PATH) return fail(`--path ${HEALTH_PATH} is taken by the health check; choose another path`);

  const publicUrl = values['public-url'];
  if (publicUrl !== undefined) {
    const parsed = parseHttpUrl(publicUrl);
    if (!parsed) return fail(`--public-url must be an http:// or https:// URL, got ${quote(hideUrlCredentials(publicUrl))}`);
    if (hasUrlCredentials(parsed)) return fail('--public-url must not hold a user name or password (user:password@): ThunderPhone signs every delivery instead');
  }

  const tunnel = chooseTunnel(values.tunnel, values['tunnel-command'], publicUrl);
  if (typeof tunnel === 'object') return fail(tunnel.problem);
  if (tunnel === 'none' && values.port === undefined) {
    return fail('--tunnel none needs --port: the port your running tunnel forwards to');
  }

  let deadlineMs: number | undefined;
  if (values['deadline-ms'] !== undefined) {
    deadlineMs = /^\s*\d+(\.\d+)?\s*$/.test(values['deadline-ms']) ? Number(values['deadline-ms']) : NaN;
    if (!(deadlineMs > 0 && deadlineMs <= MAX_TIMER_MS)) {
      return fail(`--deadline-ms must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${quote(values['deadline-ms'])}`);
    }
  }

  return {
    kind: 'options',
    options: {
      forwardTo,
      handlers: values.handlers,
      events,
      port,
      path,
      tunnel,
      tunnelCommand: values['tunnel-command'],
      publicUrl: values['public-url'],
      removeLeftovers: values['remove-leftovers'] === true,
      selfTest: values['skip-self-test'] !== true,
      legacy: values.legacy === true,
      deadlineMs,
      apiKey: values['api-key'],
      verbose: values.verbose === true,
    },
  };
}

function chooseTunnel(kind: string | undefined, command: string | undefined, publicUrl: string | undefined): TunnelKind | { problem: string } {
  const chosen = kind ?? (command !== undefined ? 'command' : publicUrl !== undefined ? 'none' : 'ngrok');
  if (chosen !== 'ngrok' && chosen !== 'command' && chosen !== 'none') {
    return { problem: `--tunnel must be ngrok, command or none, got ${quote(chosen)}` };
  }
  if (chosen === 'command' && (command === undefined || command.trim() === '')) {
    return { problem: '--tunnel command needs --tunnel-command "…{port}…", e.g. "cloudflared tunnel --url http://localhost:{port}"' };
  }
  if (command !== undefined && chosen !== 'command') return { problem: `--tunnel-command only goes with --tunnel command, not --tunnel ${chosen}` };
  if (command !== undefined && !command.includes('{port}')) {
    return { problem: '--tunnel-command must contain {port}, where the local port goes' };
  }
  if (chosen === 'none' && publicUrl === undefined) return { problem: '--tunnel none needs --public-url URL, the public URL of your tunnel' };
  if (publicUrl !== undefined && chosen !== 'none') return { problem: `--public-url only goes with --tunnel none, not --tunnel ${chosen}` };
  return chosen;
}

function fail(message: string): ParsedListenArgs {
  return { kind: 'error', message };
}
