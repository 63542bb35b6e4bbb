import type { Logger } from '../core/logger.js';

const decoder = new TextDecoder();

/**
 * The stdout line for a verified delivery: the body exactly as received, minus CR and LF. JSON
 * strings cannot hold raw line breaks, so only insignificant whitespace is removed and the line
 * is still the same JSON value.
 */
export function eventLine(rawBody: Uint8Array): string {
  return decoder.decode(rawBody).replace(/[\r\n]/g, '');
}

type Writable = { write(chunk: string): unknown };
type Emitter = { on(event: 'error', listener: (error: Error) => void): unknown; off(event: 'error', listener: (error: Error) => void): unknown };

/**
 * Prints one line per event. If stdout goes away (`serve | head -1`), printing stops with one
 * warning instead of an EPIPE crash; the receiver keeps answering.
 */
export function createEventPrinter(stdout: Writable, logger: Logger): { print(rawBody: Uint8Array): void; dispose(): void } {
  let broken = false;
  const onError = (error: Error) => {
    if (broken) return;
    broken = true;
    logger.warn(`stdout is no longer writable (${(error as { code?: string }).code ?? error.message}); events are not printed any more`);
  };
  const emitter = isEmitter(stdout) ? stdout : undefined;
  emitter?.on('error', onError);
  return {
    print(rawBody) {
      if (!broken) stdout.write(`${eventLine(rawBody)}\n`);
    },
    dispose() {
      emitter?.off('error', onError);
    },
  };
}

function isEmitter(value: Writable): value is Writable & Emitter {
  const candidate = value as Partial<Emitter>;
  return typeof candidate.on === 'function' && typeof candidate.off === 'function';
}
