import { isRequestHandlerCore, type ReceiverOptions, type RequestHandlerCore } from '../core/receiver.js';
import { resolveCore } from '../node/resolve-core.js';

export const DEFAULT_FASTIFY_PATH = '/thunderphone-webhook';

export interface ThunderphoneFastifyOptions extends ReceiverOptions {
  /** The route the plugin registers (under the register() prefix). Default `/thunderphone-webhook`. */
  path?: string | undefined;
  /** A receiver (or tool receiver) built already; then leave out the receiver options. */
  receiver?: RequestHandlerCore | undefined;
  /** Fastify's spelling of `limit`, in bytes. There is one limit: the route's and the receiver's. */
  bodyLimit?: number | undefined;
}

export interface ResolvedFastifyOptions {
  core: RequestHandlerCore;
  path: string;
  bodyLimit: number;
}

export function resolveFastifyOptions(options: ThunderphoneFastifyOptions | RequestHandlerCore): ResolvedFastifyOptions {
  if (isRequestHandlerCore(options)) return { core: options, path: DEFAULT_FASTIFY_PATH, bodyLimit: options.limit };

  const { path = DEFAULT_FASTIFY_PATH, receiver, bodyLimit, ...receiverOptions } = options;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`thunderphone-webhooks: path must start with "/", got ${JSON.stringify(path)}`);
  }
  if (receiver !== undefined && bodyLimit !== undefined && bodyLimit !== receiver.limit) {
    throw new TypeError(`thunderphone-webhooks: bodyLimit ${bodyLimit} differs from the receiver's limit ${receiver.limit}; create the receiver with { limit }`);
  }
  if (bodyLimit !== undefined && receiverOptions.limit !== undefined) {
    throw new TypeError('thunderphone-webhooks: pass `limit` or `bodyLimit`, not both');
  }
  // With a receiver, bodyLimit was only checked against its limit above.
  const built = bodyLimit === undefined || receiver !== undefined ? receiverOptions : { ...receiverOptions, limit: bodyLimit };
  const core = resolveCore(receiver, built);
  return { core, path, bodyLimit: core.limit };
}
