import { createReceiver } from '../core/create-receiver.js';
import { isRequestHandlerCore, type ReceiverOptions, type RequestHandlerCore } from '../core/receiver.js';

export const DEFAULT_FASTIFY_PATH = '/thunderphone-webhook';

export interface ThunderphoneFastifyOptions extends ReceiverOptions {
  /** The route the plugin registers (under the register() prefix). Default `/thunderphone-webhook`. */
  path?: string;
  /** A receiver (or tool receiver) built already; then leave out the receiver options. */
  receiver?: RequestHandlerCore;
  /** Fastify's spelling of `limit`, in bytes. There is one limit: the route's and the receiver's. */
  bodyLimit?: number;
}

export interface ResolvedFastifyOptions {
  core: RequestHandlerCore;
  path: string;
  bodyLimit: number;
}

const RECEIVER_KEYS = ['handlers', 'secret', 'secrets', 'deadlineMs', 'limit', 'logger', 'onError'] as const;

export function resolveFastifyOptions(options: ThunderphoneFastifyOptions | RequestHandlerCore): ResolvedFastifyOptions {
  if (isRequestHandlerCore(options)) return { core: options, path: DEFAULT_FASTIFY_PATH, bodyLimit: options.limit };

  const { path = DEFAULT_FASTIFY_PATH, receiver, bodyLimit, ...receiverOptions } = options;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`thunderphone-webhooks: path must start with "/", got ${JSON.stringify(path)}`);
  }
  if (receiver !== undefined) {
    if (!isRequestHandlerCore(receiver)) {
      throw new TypeError('thunderphone-webhooks: `receiver` must come from createReceiver() or createToolReceiver()');
    }
    const extra = RECEIVER_KEYS.filter((key) => receiverOptions[key] !== undefined);
    if (extra.length > 0) {
      throw new TypeError(`thunderphone-webhooks: pass \`receiver\` or receiver options (${extra.join(', ')}), not both`);
    }
    if (bodyLimit !== undefined && bodyLimit !== receiver.limit) {
      throw new TypeError(`thunderphone-webhooks: bodyLimit ${bodyLimit} differs from the receiver's limit ${receiver.limit}; create the receiver with { limit }`);
    }
    return { core: receiver, path, bodyLimit: receiver.limit };
  }
  if (bodyLimit !== undefined && receiverOptions.limit !== undefined) {
    throw new TypeError('thunderphone-webhooks: pass `limit` or `bodyLimit`, not both');
  }
  const core = createReceiver({ ...receiverOptions, limit: receiverOptions.limit ?? bodyLimit });
  return { core, path, bodyLimit: core.limit };
}
