import type { IncomingMessage } from 'node:http';

/** How long a refused client may keep sending after our reply before the socket is destroyed. */
export const LINGER_MS = 500;

/**
 * For a reply sent before the body was read (413 mid-stream, 408): closing a socket whose input
 * was not read makes the kernel send a reset, and a client still writing its body then often
 * loses the reply it was about to read. So the rest of the body is discarded as it comes, the
 * write side is closed after the reply (Node's destroySoon), and the socket is destroyed only
 * after LINGER_MS or when the client closes, whichever comes first. Memory stays bounded: what
 * still arrives is dropped, not kept.
 */
export function closeGently(req: IncomingMessage): void {
  const socket = req.socket as IncomingMessage['socket'] & { destroySoon?: () => void };
  req.resume();
  if (typeof socket.destroySoon !== 'function') return;
  socket.destroySoon = function lingeringDestroy(this: typeof socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}
