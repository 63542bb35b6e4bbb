import { createReceiver } from '../core/create-receiver.js';
import { isRequestHandlerCore, type ReceiverOptions, type RequestHandlerCore } from '../core/receiver.js';

// Every ReceiverOptions key: one given beside a ready receiver would be silently ignored.
const RECEIVER_KEYS = [
  'handlers',
  'secret',
  'secrets',
  'deadlineMs',
  'handlerTimeoutMs',
  'limit',
  'bodyTimeoutMs',
  'logger',
  'onError',
  'dedupe',
] as const satisfies readonly (keyof ReceiverOptions)[];

/**
 * Adapter options name either a ready `receiver` (an event or tool receiver) or the options to
 * build one, never both: options beside a receiver would be silently ignored.
 */
export function resolveCore(receiver: RequestHandlerCore | undefined, options: ReceiverOptions): RequestHandlerCore {
  if (receiver === undefined) return createReceiver(options);
  if (!isRequestHandlerCore(receiver)) {
    throw new TypeError('thunderphone-webhooks: `receiver` must come from createReceiver() or toolHandler()');
  }
  const extra = RECEIVER_KEYS.filter((key) => options[key] !== undefined);
  if (extra.length > 0) {
    throw new TypeError(`thunderphone-webhooks: pass \`receiver\` or receiver options (${extra.join(', ')}), not both`);
  }
  return receiver;
}
