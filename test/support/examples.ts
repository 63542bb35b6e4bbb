// What the example tests share: where the examples are, how to load them, and the agents the
// Express, Fastify and Koa examples answer with.
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { recordingLogger } from './node-requests.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const examplePath = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

// A computed specifier: the examples are plain .mjs without type declarations.
export const load = <T>(name: string): Promise<T> => import(pathToFileURL(examplePath(name)).href) as Promise<T>;

export type StoredCall = { key: string; type: string; call_id: number | string };
export interface FactoryOptions {
  secret?: string;
  completedCalls?: StoredCall[];
  logger?: ReturnType<typeof recordingLogger>;
}

export const FRONT_DESK = {
  prompt: 'You are the front desk of Harbor Dental. Book, move or cancel appointments. Keep answers short.',
  voice: 'en-US-James1',
  product: 'spark',
};
export const FRENCH_DESK = {
  prompt: 'Vous êtes le support de Harbor Dental. Répondez en français, brièvement et poliment.',
  voice: 'fr-FR-Denise',
  product: 'bolt',
};
// A call_id beyond 2^53 arrives as exact digits; the dedupe key must keep them.
export const COMPLETE_BIG_ID = '{"data":{"call_id":18446744073709551615,"from_number":"web","to_number":"+15551234567"},"type":"call.complete"}';
