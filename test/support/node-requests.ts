// Shared by the Express, node:http and example tests: bodies as ThunderPhone sends them
// (sorted keys, compact), an independent signer, a logger that records, and raw HTTP helpers
// for what fetch and supertest cannot do (chunked bodies, aborting mid-body).
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/index.js';

export const SECRET = 'whsec_test_secret';

export const INCOMING =
  '{"data":{"call_id":987654321,"from_number":"+14155550199","to_number":"+15551234567"},"type":"call.incoming"}';

export const COMPLETE =
  '{"data":{"call_id":987654321,"direction":"inbound","duration_seconds":54,"end_reason":"caller_hangup",' +
  '"from_number":"+14155550199","status":"completed","to_number":"+15551234567"},"event_id":"evt_1","type":"call.complete"}';

export const GRADED = '{"data":{"call_id":42},"event_id":"evt","type":"call.graded"}';

/** HMAC-SHA256 hex of the exact bytes, computed here and not with the library's sign(). */
export function hmac(body: string | Uint8Array, secret: string = SECRET): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface LogLine {
  level: keyof Logger;
  message: string;
  meta?: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at = (level: keyof Logger) => (message: string, meta?: Record<string, unknown>) => {
    lines.push(meta === undefined ? { level, message } : { level, message, meta });
  };
  return {
    lines,
    text: () => lines.map((l) => `${l.level} ${l.message} ${JSON.stringify(l.meta ?? {})}`).join('\n'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}

export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * Sends a request with http.request, writing `chunks` one by one (chunked when no
 * content-length header is given), and resolves with the reply. Rejects after `timeoutMs`
 * so a server that waits forever fails the test instead of hanging it.
 */
export function rawRequest(
  base: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; chunks?: (string | Buffer)[]; end?: boolean; timeoutMs?: number },
): Promise<RawReply> {
  const url = new URL(options.path ?? '/', base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? 'POST', headers: options.headers ?? {}, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') });
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no reply within ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    // The server may close the connection while we are still writing a body it refused;
    // what matters is the reply it sent, so write errors after a reply are ignored.
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.flushHeaders();
    for (const chunk of options.chunks ?? []) req.write(chunk);
    if (options.end !== false) req.end();
  });
}
