import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * What a `--legacy` run must put back, kept on disk while it runs: if it crashes, the org's URL
 * stays on the dead tunnel, and the next run would otherwise "restore" that dead URL.
 */
export interface LegacyState {
  apiUrl: string;
  /** The URL listen set (the tunnel's). */
  tunnelUrl: string;
  /** The URL to put back; null when none was set. */
  previousUrl: string | null;
}

export function defaultStateDir(): string {
  return join(homedir(), '.thunderphone-webhooks');
}

const FILE = 'listen-legacy.json';

export function readLegacyState(dir: string): LegacyState | undefined {
  try {
    const value = JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as Partial<LegacyState>;
    if (typeof value.apiUrl !== 'string' || typeof value.tunnelUrl !== 'string') return undefined;
    return { apiUrl: value.apiUrl, tunnelUrl: value.tunnelUrl, previousUrl: typeof value.previousUrl === 'string' ? value.previousUrl : null };
  } catch {
    return undefined;
  }
}

export function writeLegacyState(dir: string, state: LegacyState): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, FILE), `${JSON.stringify(state)}\n`, { mode: 0o600 });
}

export function clearLegacyState(dir: string): void {
  rmSync(join(dir, FILE), { force: true });
}
