import { isRequestHandlerCore, type ReceiverOptions, type RequestHandlerCore } from '../core/receiver.js';
import { resolveCore } from '../node/resolve-core.js';

export interface ThunderphoneKoaOptions extends ReceiverOptions {
  /** Answer only this path (ctx.path); other paths go to `next()`. Without it, every request is answered. */
  path?: string | undefined;
  /** A receiver (or tool receiver) built already; then leave out the receiver options. */
  receiver?: RequestHandlerCore | undefined;
}

export function resolveKoaOptions(options: ThunderphoneKoaOptions | RequestHandlerCore): { core: RequestHandlerCore; path?: string } {
  if (isRequestHandlerCore(options)) return { core: options };
  const { path, receiver, ...receiverOptions } = options;
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new TypeError(`thunderphone-webhooks: path must start with "/", got ${JSON.stringify(path)}`);
  }
  return { core: resolveCore(receiver, receiverOptions), path };
}
