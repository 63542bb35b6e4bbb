// The Koa entry (`thunderphone-webhooks/koa`): middleware with or without koa-bodyparser.
export { thunderphoneKoa, type KoaMiddleware } from './middleware.js';
export type { ThunderphoneKoaOptions } from './options.js';
export { createReceiver } from '../core/create-receiver.js';
