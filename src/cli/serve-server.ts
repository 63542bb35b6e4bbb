import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RequestHandlerCore } from '../core/receiver.js';
import { errorResponse, jsonResponse, type RawResponse } from '../core/response.js';
import { thunderphoneMiddleware } from '../node/middleware.js';
import { answerClientError } from './serve-client-error.js';
import { HEALTH_PATH } from './serve-options.js';

export const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How long a client may take to send its headers (Node's default: 60 s). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** How long a client may take to send its whole request, body included (Node's default: 300 s). */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface StartServerOptions {
  host: string;
  port: number;
  path: string;
  core: RequestHandlerCore;
  logger: Logger;
  /** Default HEADERS_TIMEOUT_MS; shorter values are for tests. */
  headersTimeoutMs?: number;
  /** Default REQUEST_TIMEOUT_MS; at least headersTimeoutMs. */
  requestTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://HOST:PORT/PATH` with the port actually bound. */
  url: string;
  port: number;
  /** The bounds on slow clients, as the HTTP server has them; a client past them gets 408. */
  timeouts: { headersTimeoutMs: number; requestTimeoutMs: number };
  inFlight(): number;
  /**
   * Stops accepting connections, lets in-flight requests finish, then resolves. After
   * `timeoutMs` the connections still open are destroyed (`forced` counts them).
   */
  close(timeoutMs?: number): Promise<{ forced: number }>;
  /** Destroys every connection now; a pending close() then resolves. */
  closeNow(): void;
}

/** A node:http server: the receiver at `path`, GET /healthz, and a JSON 404 elsewhere. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const webhook = thunderphoneMiddleware(options.core);
  const active = new Set<ServerResponse>();
  let closing: Promise<{ forced: number }> | undefined;
  let forced = 0;
  const cutOff = () => {
    forced += active.size;
    server.closeAllConnections();
  };

  // A half-sent request must not hold a connection for Node's default 5 minutes. Node checks
  // these bounds every connectionsCheckingInterval (default 30 s), so check more often too.
  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, headersTimeout);
  const bounds = { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeout / 4)) };

  const server = createServer(bounds, (req, res) => {
    active.add(res);
    if (closing) res.setHeader('connection', 'close');
    const path = pathOf(req);
    res.once('close', () => {
      active.delete(res);
      // A client cut off by the timeouts above (Node answers it 408 itself) got no reply from us.
      options.logger.info(`${req.method ?? '?'} ${path} -> ${res.headersSent ? res.statusCode : 'closed before a reply'}`);
      if (closing) server.closeIdleConnections();
    });
    route(req, res, path).catch((error: unknown) => {
      options.logger.error('unexpected error while answering a request', { error: String(error) });
      send(res, errorResponse(new WebhookError('internal_error', 'internal error')));
    });
  });

  const route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === options.path) return webhook(req, res);
    if (path === HEALTH_PATH) {
      if (req.method === 'GET' || req.method === 'HEAD') return send(res, jsonResponse(200, '{"ok":true}'));
      return send(res, errorResponse(new WebhookError('method_not_allowed', `${req.method ?? '?'} is not allowed on ${HEALTH_PATH}; use GET`)), { allow: 'GET, HEAD' });
    }
    send(res, errorResponse(new WebhookError('not_found', `nothing is served at ${path}; webhooks go to POST ${options.path}`)));
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => options.logger.error(`server error: ${error.message}`));
  server.on('clientError', answerClientError);
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${hostForUrl(options.host)}:${port}${options.path}`,
    port,
    timeouts: { headersTimeoutMs: server.headersTimeout, requestTimeoutMs: server.requestTimeout },
    inFlight: () => active.size,
    close(timeoutMs = SHUTDOWN_TIMEOUT_MS) {
      closing ??= new Promise((resolve) => {
        // Replies still being written tell keep-alive clients that this connection ends with them.
        for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
        const timer = setTimeout(cutOff, timeoutMs);
        server.close(() => {
          clearTimeout(timer);
          resolve({ forced });
        });
        server.closeIdleConnections();
      });
      return closing;
    },
    closeNow: cutOff,
  };
}

function send(res: ServerResponse, response: RawResponse, extra: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  res.statusCode = response.status;
  for (const [name, value] of Object.entries({ ...response.headers, ...extra })) res.setHeader(name, value);
  res.end(res.req.method === 'HEAD' ? undefined : response.body);
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
