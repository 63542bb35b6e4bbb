// A raw HTTP/1.1 client on a plain socket, for requests no well-behaved client sends: lengths
// that lie, trickled or endless bodies, aborts mid-body, bytes Node's client would refuse.
import { connect } from 'node:net';

export type Step = string | Buffer | { waitMs: number };

export interface RawExchange {
  /** Everything up to the blank line, without it: request line and headers, joined by CRLF. */
  head: string;
  /** Written in order after the head; `{ waitMs }` pauses between writes. */
  steps?: Step[];
  /** After the steps: keep the socket open and wait ('wait'), half-close it ('end'), or destroy it ('destroy'). */
  then?: 'wait' | 'end' | 'destroy';
  /** An endless body: `chunk` written again and again (respecting backpressure) until a reply arrives or `maxBytes` were sent. */
  endless?: { chunk: Buffer; maxBytes: number };
  /** HEAD replies carry no body even when they say Content-Length. */
  noReplyBody?: boolean;
  timeoutMs?: number;
}

export interface RawResult {
  /** undefined when the connection closed with no reply at all. */
  status: number | undefined;
  headers: Record<string, string>;
  body: string;
  /** Everything received, head included, for the stack-trace and secret checks. */
  raw: string;
  ms: number;
  /** Body bytes written before the reply arrived (for endless bodies). */
  sent: number;
}

export function exchange(port: number, request: RawExchange): Promise<RawResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let sent = 0;
    let done = false;
    const finish = (result: Omit<RawResult, 'ms' | 'sent'>) => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      socket.destroy();
      resolve({ ...result, ms: Date.now() - started, sent });
    };
    const guard = setTimeout(() => {
      done = true;
      socket.destroy();
      reject(new Error(`no reply and no close within ${request.timeoutMs ?? 10_000} ms`));
    }, request.timeoutMs ?? 10_000);

    const parse = (closed: boolean) => {
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        if (closed) finish({ status: undefined, headers: {}, body: '', raw: text });
        return;
      }
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
      const bodyBytes = received.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
      const length = request.noReplyBody ? 0 : headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
      if (length !== undefined && bodyBytes.length >= length) {
        return finish({ status, headers, body: bodyBytes.subarray(0, length).toString('utf8'), raw: received.toString('utf8') });
      }
      if (closed) finish({ status, headers, body: bodyBytes.toString('utf8'), raw: received.toString('utf8') });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      parse(false);
    });
    socket.on('close', () => parse(true));
    // The server may close while we still write a body it refused; its reply is what counts.
    socket.on('error', () => {});

    socket.on('connect', async () => {
      socket.write(`${request.head}\r\n\r\n`);
      for (const step of request.steps ?? []) {
        if (done) return;
        if (typeof step === 'object' && 'waitMs' in step) await new Promise((r) => setTimeout(r, step.waitMs));
        else {
          sent += Buffer.byteLength(step);
          socket.write(step);
        }
      }
      if (request.endless) {
        const { chunk, maxBytes } = request.endless;
        while (!done && sent < maxBytes && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
        }
      }
      if (done) return;
      if (request.then === 'end') socket.end();
      else if (request.then === 'destroy') socket.destroy();
    });
  });
}
