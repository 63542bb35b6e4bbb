import type { Socket } from 'node:net';
import { LINGER_MS } from '../node/close-gently.js';

const answered = new WeakSet<Socket>();

const STATUS_LINES: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * What serve does with a request Node's HTTP parser refuses (bad lengths, both Content-Length and
 * chunked, oversized headers, a header or request timeout): the same status Node would send, but
 * the socket is half-closed and destroyed only after LINGER_MS. Node's default destroys it at once,
 * and a socket closed with unread input sends a reset that often makes the client lose the reply.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // The parser reports every later chunk of the same connection as an error too; answered once.
  if (answered.has(socket)) return;
  answered.add(socket);
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // A reply of ours already started on this socket: nothing sensible can follow it.
  if ((socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const status = STATUS_LINES[error.code ?? ''] ?? '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  // What the client still sends is read and dropped until then.
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
