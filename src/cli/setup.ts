import { parseArgs } from 'node:util';
import { EXIT, attachNegativeValues, describeParseError } from './args.js';
import type { CliIO } from './io.js';
import { oneLine } from './one-line.js';
import {
  ensureWebhookEndpoint,
  ensureWebhookUrl,
  getWebhook,
  ThunderPhoneApiError,
  type ApiOptions,
  type EnsureWebhookResult,
} from '../api/index.js';
import { hideUrlCredentials } from '../api/url.js';

const USAGE = `usage: thunderphone-webhooks setup [--url URL] [--api-key KEY] [--force]
       thunderphone-webhooks setup --endpoint --url URL [--events a,b] [--label TEXT] [--api-key KEY]

Registers URL as your organization's ThunderPhone webhook (the single-URL webhook that
receives every event type) and prints its signing secret on stdout, alone on one line:
  SECRET=$(thunderphone-webhooks setup --url https://example.com/thunderphone-webhook)
If URL is already set, nothing is sent and the current secret is printed.
Without --url, shows the current webhook and prints its secret.

With --endpoint, registers URL as a webhook endpoint instead (one of several URLs, each with
its own secret and event list), idempotently: an endpoint with that URL is updated (label,
events) and keeps its secret; otherwise one is created and its one-time secret is printed on
stdout, the only time ThunderPhone shows it.

flags:
  --endpoint      manage a webhook endpoint (/v1/developer/webhook-endpoints), not the legacy URL
  --events a,b    with --endpoint: event types (default: all): telephony.incoming,
                  telephony.complete, telephony.tool, web.incoming, web.complete, web.tool,
                  call.graded, issue.reported, test-call.completed
  --label TEXT    with --endpoint: the endpoint's label (default: the URL's host), 1-120 chars
  --url URL       https:// URL (http:// only for localhost, 127.0.0.1 and [::1]), without
                  user:password@ or a #fragment
  --api-key KEY   an sk_live_ key of an admin or owner; defaults to THUNDERPHONE_API_KEY
                  (prefer the variable: a flag shows up in shell history and process lists)
  --force         set the URL even if it is already set; ThunderPhone then issues a NEW
                  secret and receivers still holding the old one refuse every delivery
  -h, --help      show this help

examples:
  thunderphone-webhooks setup                       # show the current webhook, print its secret
  SECRET=$(thunderphone-webhooks setup --url https://example.com/thunderphone-webhook)
  thunderphone-webhooks setup --url https://example.com/thunderphone-webhook --force   # rotate

environment:
  THUNDERPHONE_API_KEY   API key used when --api-key is not given
  THUNDERPHONE_API_URL   API base URL (default https://api.thunderphone.com)

Each request waits up to 10 s and is retried up to 3 times after a timeout, a network error
or a 5xx; every retry is announced on stderr.

exit status: 0 ok, 1 the API call failed (key rejected, network, 5xx after retries), 2 for a
usage error (a bad flag, or a --url that is not allowed).
`;

const PREFIX = 'thunderphone-webhooks setup:';
const RESTART = 'restart your receiver with it as THUNDERPHONE_WEBHOOK_SECRET';

interface SetupFlags {
  url?: string;
  apiKey?: string;
  force: boolean;
  help: boolean;
  endpoint: boolean;
  events?: string;
  label?: string;
}

export async function runSetup(argv: string[], io: CliIO): Promise<number> {
  let flags: SetupFlags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    say(io, `${PREFIX} ${usageProblem(error)} (see --help)`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (flags.force && flags.url === undefined) {
    say(io, `${PREFIX} --force needs --url (see --help)`);
    return 2;
  }
  const usage = endpointUsageProblem(flags);
  if (usage) {
    say(io, `${PREFIX} ${usage} (see --help)`);
    return 2;
  }

  const options: ApiOptions = {
    env: io.env,
    onRetry: ({ reason, attempt, maxAttempts }) => say(io, `${PREFIX} ${reason}; retrying (attempt ${attempt} of ${maxAttempts})`),
  };
  if (flags.apiKey !== undefined) options.apiKey = flags.apiKey;
  try {
    if (flags.endpoint) return await setupEndpoint(io, flags, options);
    if (flags.url === undefined) return await showCurrent(io, options);
    const result = await ensureWebhookUrl(flags.url, { ...options, force: flags.force });
    say(io, summary(result));
    io.stdout.write(`${result.webhook.secret}\n`);
    return 0;
  } catch (error) {
    say(io, `${PREFIX} ${describeFailure(error, flags.apiKey !== undefined)}`);
    return error instanceof ThunderPhoneApiError && USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.failure;
  }
}

const USAGE_CODES = new Set(['invalid_url', 'invalid_events', 'invalid_label']);

const FLAGS = {
  endpoint: { type: 'boolean', default: false },
  events: { type: 'string' },
  label: { type: 'string' },
  url: { type: 'string' },
  'api-key': { type: 'string' },
  force: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseFlags(argv: string[]): SetupFlags {
  const { values } = parseArgs({ args: attachNegativeValues(argv, FLAGS), strict: true, allowPositionals: false, options: FLAGS });
  return {
    url: values.url,
    apiKey: values['api-key'],
    force: values.force === true,
    help: values.help === true,
    endpoint: values.endpoint === true,
    events: values.events,
    label: values.label,
  };
}

function endpointUsageProblem(flags: SetupFlags): string | undefined {
  if (!flags.endpoint) {
    if (flags.events !== undefined || flags.label !== undefined) return '--events and --label go with --endpoint';
    return undefined;
  }
  if (flags.url === undefined) return '--endpoint needs --url';
  if (flags.force) return '--force is for the legacy URL; an endpoint update never changes its secret';
  return undefined;
}

async function setupEndpoint(io: CliIO, flags: SetupFlags, options: ApiOptions): Promise<number> {
  const url = flags.url as string;
  const events = flags.events === undefined ? [] : flags.events.split(',').map((e) => e.trim()).filter(Boolean);
  const label = flags.label ?? defaultLabel(url);
  const result = await ensureWebhookEndpoint({ url, label, events }, options);
  const { endpoint } = result;
  const what = `${endpoint.id} for ${hideUrlCredentials(endpoint.url)} ("${endpoint.label}", ${endpoint.events.length === 0 ? 'every event' : endpoint.events.join(', ')})`;
  for (const other of result.duplicates) say(io, `Note: endpoint ${other.id} has the same URL and was left as it is.`);
  if (result.changed === 'created') {
    say(io, `Webhook endpoint created: ${what}. Its signing secret is on stdout and will NOT be shown again: give it to your receiver as THUNDERPHONE_WEBHOOK_SECRET now.`);
    io.stdout.write(`${result.secret}\n`);
    return 0;
  }
  const hint = endpoint.secret_hint ? ` (${endpoint.secret_hint})` : '';
  say(
    io,
    `${result.changed === 'updated' ? 'Webhook endpoint updated' : 'Webhook endpoint unchanged'}: ${what}. Its secret${hint} is unchanged and ` +
      'cannot be read again; if it is lost, delete the endpoint in the dashboard and run this again.',
  );
  return 0;
}

function defaultLabel(url: string): string {
  try {
    return new URL(url).host.slice(0, 120) || 'thunderphone-webhooks';
  } catch {
    return 'thunderphone-webhooks'; // the URL check that follows explains what is wrong
  }
}

/** parseArgs quotes a stray positional verbatim, and that may be an API key pasted without --api-key. */
function usageProblem(error: unknown): string {
  if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return 'unexpected argument: setup takes only flags (a value needs its flag, e.g. --url URL or --api-key KEY)';
  }
  return describeParseError(error);
}

async function showCurrent(io: CliIO, options: ApiOptions): Promise<number> {
  const webhook = await getWebhook(options);
  if (webhook === null) {
    io.stderr.write('No webhook is set for this organization. Set one with: thunderphone-webhooks setup --url https://...\n');
    return 0;
  }
  const updated = webhook.updated_at ? ` (updated ${webhook.updated_at})` : '';
  say(io, `Current webhook: ${hideUrlCredentials(webhook.url)}${updated}. Its signing secret is on stdout.`);
  io.stdout.write(`${webhook.secret}\n`);
  return 0;
}

// URLs come back from ThunderPhone, where another tool may have stored one with credentials.
function summary(result: EnsureWebhookResult): string {
  const { changed } = result;
  const webhook = { url: hideUrlCredentials(result.webhook.url) };
  const previousUrl = result.previousUrl === undefined ? undefined : hideUrlCredentials(result.previousUrl);
  switch (changed) {
    case 'created':
      return `Webhook created: ${webhook.url}. Its new signing secret is on stdout; give it to your receiver as THUNDERPHONE_WEBHOOK_SECRET.`;
    case 'unchanged':
      return `Webhook unchanged: ${webhook.url} is already set, so the secret was NOT rotated. The current secret is on stdout.`;
    case 'updated':
      return (
        `Webhook updated: ${previousUrl} -> ${webhook.url}. The signing secret CHANGED (new one on stdout): ` +
        `the old secret no longer verifies deliveries, so ${RESTART}.`
      );
    case 'rotated':
      return (
        `Webhook ${webhook.url} set again with --force: the signing secret CHANGED (new one on stdout): ` +
        `the old secret no longer verifies deliveries, so ${RESTART}.`
      );
  }
}

function describeFailure(error: unknown, keyFromFlag: boolean): string {
  if (!(error instanceof ThunderPhoneApiError)) return messageOf(error);
  if (error.code === 'unauthorized' && keyFromFlag) {
    return messageOf(error).replace('check THUNDERPHONE_API_KEY', 'check --api-key');
  }
  // A usage error: name the flag it came from.
  if (error.code === 'invalid_url') return `--url: ${messageOf(error)}`;
  if (error.code === 'missing_api_key') {
    return 'no API key: set THUNDERPHONE_API_KEY or pass --api-key (an sk_live_ key of an admin or owner)';
  }
  const mayHaveRotated =
    error.method === 'PUT' && (error.code === 'timeout' || error.code === 'network_error' || error.code === 'server_error');
  const hint = mayHaveRotated
    ? '; ThunderPhone may have rotated the secret anyway: run "thunderphone-webhooks setup" without --url to read the current one'
    : '';
  return `${messageOf(error)}${hint}`;
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s+/g, ' ').trim();
}

/** Every stderr line goes through here, so none can break across lines. */
function say(io: CliIO, line: string): void {
  io.stderr.write(`${oneLine(line)}\n`);
}
