import { createReceiver } from '../core/create-receiver.js';
import { isRequestHandlerCore, type ReceiverOptions, type RequestHandlerCore } from '../core/receiver.js';

export interface ThunderphoneKoaOptions extends ReceiverOptions {
  /** Answer only this path (ctx.path); other paths go to `next()`. Without it, every request is answered. */
  path?: string;
  /** A receiver (or tool receiver) built already; then leave out the receiver options. */
  receiver?: RequestHandlerCore;
}

const RECEIVER_KEYS = ['handlers', 'secret', 'secrets', 'deadlineMs', 'limit', 'logger', 'onError'] as const;

export function resolveKoaOptions(options: ThunderphoneKoaOptions | RequestHandlerCore): { core: RequestHandlerCore; path?: string } {
  if (isRequestHandlerCore(options)) return { core: options };
  const { path, receiver, ...receiverOptions } = options;
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new TypeError(`thunderphone-webhooks: path must start with "/", got ${JSON.stringify(path)}`);
  }
  if (receiver === undefined) return { core: createReceiver(receiverOptions), path };
  if (!isRequestHandlerCore(receiver)) {
    throw new TypeError('thunderphone-webhooks: `receiver` must come from createReceiver() or createToolReceiver()');
  }
  const extra = RECEIVER_KEYS.filter((key) => receiverOptions[key] !== undefined);
  if (extra.length > 0) {
    throw new TypeError(`thunderphone-webhooks: pass \`receiver\` or receiver options (${extra.join(', ')}), not both`);
  }
  return { core: receiver, path };
}
