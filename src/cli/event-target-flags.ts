import { hasUrlCredentials, hideUrlCredentials } from '../sender/url-credentials.js';
import { parseHttpUrl } from './args.js';
import { quote } from './one-line.js';

/**
 * Where verified events go, for serve and listen: a --handlers module or a --forward-to app (one
 * of them at most). Every mistake is one line that names the flag.
 */
export function parseEventTarget(handlers: string | undefined, forwardTo: string | undefined): { forwardTo: URL | undefined } | { problem: string } {
  if (handlers !== undefined && forwardTo !== undefined) {
    return { problem: '--handlers and --forward-to cannot be used together: handle events here, or forward them to your app' };
  }
  if (handlers !== undefined && handlers.trim() === '') return { problem: '--handlers needs a module path' };
  if (forwardTo === undefined) return { forwardTo: undefined };
  const url = parseHttpUrl(forwardTo);
  if (!url) return { problem: `--forward-to must be an http:// or https:// URL, got ${quote(hideUrlCredentials(forwardTo))}` };
  // fetch refuses them, and they would end up in logs.
  if (hasUrlCredentials(url)) return { problem: '--forward-to must not hold user:password@; use a URL without credentials' };
  return { forwardTo: url };
}
