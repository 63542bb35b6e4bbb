import type { DedupeStore } from '../core/dedupe-store.js';
import { memoryDedupeStore } from '../core/memory-dedupe-store.js';
import { hideUrlCredentials } from '../sender/url-credentials.js';
import { quote } from './one-line.js';

/** A `--dedupe` value that cannot be used: `serve` exits 2 with this one line. */
export class DedupeUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DedupeUsageError';
  }
}

/**
 * Turns `--dedupe VALUE` into a store: `memory` keeps keys in this process (24 h, 100 000 keys).
 * Rejects with DedupeUsageError for a value it cannot use; other rejections are start-up failures.
 */
export async function dedupeStoreFromFlag(value: string): Promise<DedupeStore> {
  const trimmed = value.trim();
  if (trimmed === 'memory') return memoryDedupeStore();
  if (/^rediss?:\/\//i.test(trimmed)) {
    throw new DedupeUsageError('--dedupe: Redis dedupe is not available in this build; use --dedupe memory');
  }
  throw new DedupeUsageError(`--dedupe must be "memory" or a redis:// URL, got ${quote(hideUrlCredentials(trimmed))}`);
}

