import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../core/logger.js';
import type { AnyHandler, HandlerMap, Receiver } from '../core/receiver.js';
import { ExpectedError } from './expected-error.js';
import { describeLoadError } from './load-error.js';

/** What a setup function in a handlers module receives: the receiver's registration methods. */
export interface HandlerRegistrar {
  on: Receiver['on'];
  onAny: Receiver['onAny'];
  readonly logger: Logger;
  readonly deadlineMs: number;
}

export type HandlerSetup = (receiver: HandlerRegistrar) => unknown;

export type LoadedHandlers = { kind: 'map'; handlers: HandlerMap } | { kind: 'setup'; setup: HandlerSetup };

/** A handlers module that cannot be used; the message is one line for the terminal. */
export class HandlersModuleError extends ExpectedError {
  constructor(message: string) {
    super('HandlersModuleError', message);
  }
}

const FORMS =
  'export a handler map as the default export or as `export const handlers = { "call.incoming": (event, ctx) => config, "*": ... }`, ' +
  'or a function `export default (receiver) => { receiver.on(...) }`';

/** Imports `specifier` (a file path, resolved against `cwd`) and finds its handlers. */
export async function loadHandlersModule(specifier: string, cwd: string): Promise<LoadedHandlers> {
  const file = resolve(cwd, specifier);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new HandlersModuleError(`handlers module not found: ${file}`);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new HandlersModuleError(`could not load handlers module ${file}: ${describeLoadError(error, file)}`);
  }
  return findHandlers(namespace, file);
}

function findHandlers(namespace: Record<string, unknown>, file: string): LoadedHandlers {
  const fallback = namespace.default;
  // A CommonJS module's `module.exports = { handlers }` arrives as default.handlers.
  const nested = isPlainObject(fallback) && 'handlers' in fallback ? fallback.handlers : undefined;
  const [where, value] =
    namespace.handlers !== undefined
      ? ['the "handlers" export', namespace.handlers]
      : nested !== undefined
        ? ['the "handlers" export', nested]
        : ['the default export', fallback];

  if (typeof value === 'function') return { kind: 'setup', setup: value as HandlerSetup };
  if (value === undefined || value === null) throw new HandlersModuleError(`${file} has no handlers: ${FORMS}`);
  if (!isPlainObject(value)) {
    throw new HandlersModuleError(`${where} of ${file} is ${describe(value)}, not handlers: ${FORMS}`);
  }
  const entries = Object.entries(value).filter(([, handler]) => handler !== undefined);
  if (entries.length === 0) throw new HandlersModuleError(`${where} of ${file} is an empty handler map: ${FORMS}`);
  for (const [type, handler] of entries) {
    if (typeof handler !== 'function') {
      throw new HandlersModuleError(`${where} of ${file}: the handler for ${JSON.stringify(type)} is ${describe(handler)}, not a function`);
    }
  }
  return { kind: 'map', handlers: Object.fromEntries(entries) as HandlerMap };
}

type Observer = Parameters<AnyHandler>;

/**
 * Registers the module's handlers on `receiver`, each wrapped so `observe` sees every verified
 * event first. Types nobody handles still reach `observe` through a catch-all that acknowledges
 * them (blocking ones get `{}`, the static agent). Returns the types registered, for the log.
 */
export async function installHandlers(
  receiver: Receiver,
  loaded: LoadedHandlers | undefined,
  observe: (...args: Observer) => void,
): Promise<string[]> {
  const registered: string[] = [];
  let hasCatchAll = false;
  const observed =
    (handler: AnyHandler): AnyHandler =>
    (event, context) => {
      observe(event, context);
      return handler(event, context);
    };
  const registrar: HandlerRegistrar = {
    on(type: string | readonly string[], handler: AnyHandler) {
      if (typeof handler !== 'function') throw new HandlersModuleError('receiver.on(type, handler): the handler must be a function');
      receiver.on(type, observed(handler));
      registered.push(...(typeof type === 'string' ? [type] : type));
      return registrar;
    },
    onAny(handler: AnyHandler) {
      if (typeof handler !== 'function') throw new HandlersModuleError('receiver.onAny(handler): the handler must be a function');
      receiver.onAny(observed(handler));
      hasCatchAll = true;
      registered.push('*');
      return registrar;
    },
    logger: receiver.logger,
    deadlineMs: receiver.deadlineMs,
  } as HandlerRegistrar;

  if (loaded?.kind === 'map') {
    for (const [type, handler] of Object.entries(loaded.handlers)) {
      if (handler === undefined) continue;
      if (type === '*') registrar.onAny(handler as AnyHandler);
      else registrar.on(type, handler as AnyHandler);
    }
  } else if (loaded?.kind === 'setup') {
    try {
      await loaded.setup(registrar);
    } catch (error) {
      throw new HandlersModuleError(`the handlers module's setup function threw: ${describeLoadError(error)}`);
    }
    if (registered.length === 0) {
      throw new HandlersModuleError(`the handlers module's setup function registered no handlers: call receiver.on(type, handler) or receiver.onAny(handler)`);
    }
  }
  if (!hasCatchAll) {
    receiver.onAny((event, context) => {
      observe(event, context);
      return undefined;
    });
  }
  return registered;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
