// The Fastify entry (`thunderphone-webhooks/fastify`): a plugin that registers the webhook route.
export { thunderphonePlugin } from './plugin.js';
export { DEFAULT_FASTIFY_PATH, type ThunderphoneFastifyOptions } from './options.js';
export { createReceiver } from '../core/create-receiver.js';
