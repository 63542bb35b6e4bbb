import { TunnelError, trimSlash, type Tunnel, type TunnelProvider } from './types.js';

/** The part of @ngrok/ngrok used here. */
interface NgrokModule {
  forward(config: { addr: number | string; authtoken?: string; proto?: string }): Promise<{ url(): string | null; close(): Promise<void> }>;
}

export interface NgrokTunnelOptions {
  env?: Record<string, string | undefined>;
  /** How @ngrok/ngrok is loaded; tests replace it. */
  load?: () => Promise<unknown>;
}

const PACKAGE = '@ngrok/ngrok';
const INSTALL_HINT = `install it with "npm install --save-dev ${PACKAGE}", or use --tunnel command --tunnel-command "cloudflared tunnel --url http://localhost:{port}"`;

/**
 * `--tunnel ngrok`, through the optional package @ngrok/ngrok, loaded only when this tunnel
 * starts, so the rest of the package never needs it. The authtoken comes from NGROK_AUTHTOKEN.
 */
export function ngrokTunnel(options: NgrokTunnelOptions = {}): TunnelProvider {
  return {
    name: 'ngrok',
    async start(localPort): Promise<Tunnel> {
      const authtoken = (options.env ?? process.env).NGROK_AUTHTOKEN?.trim();
      if (!authtoken) {
        throw new TunnelError('the ngrok tunnel needs NGROK_AUTHTOKEN: copy yours from https://dashboard.ngrok.com/get-started/your-authtoken');
      }
      const ngrok = await loadNgrok(options.load ?? (() => import(/* @vite-ignore */ PACKAGE)));
      let listener: Awaited<ReturnType<NgrokModule['forward']>>;
      try {
        listener = await ngrok.forward({ addr: localPort, authtoken, proto: 'http' });
      } catch (error) {
        throw new TunnelError(`ngrok could not open a tunnel: ${safeReason(error, authtoken)}`);
      }
      const url = listener.url();
      if (!url) {
        await listener.close().catch(() => {});
        throw new TunnelError('ngrok opened a tunnel but reported no public URL');
      }
      let closing: Promise<void> | undefined;
      return { publicUrl: trimSlash(url), close: () => (closing ??= listener.close().catch(() => {})) };
    },
  };
}

async function loadNgrok(load: () => Promise<unknown>): Promise<NgrokModule> {
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (error) {
    if (isMissing(error)) throw new TunnelError(`the ngrok tunnel needs the optional package ${PACKAGE}, which is not installed: ${INSTALL_HINT}`);
    throw new TunnelError(
      `${PACKAGE} is installed but could not be loaded (${safeReason(error)}); its native add-on may not match this platform or Node version: ` +
        `reinstall it ("npm rebuild ${PACKAGE}"), or use --tunnel command`,
    );
  }
  const module = (loaded as { forward?: unknown; default?: { forward?: unknown } }) ?? {};
  const api = typeof module.forward === 'function' ? module : module.default;
  if (!api || typeof api.forward !== 'function') {
    throw new TunnelError(`${PACKAGE} was loaded but has no forward() function; use version 1.x`);
  }
  return api as NgrokModule;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (!message.includes(PACKAGE)) return false;
  // Node sets the code; bundlers and test runners say it in words.
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /cannot find|could not resolve|failed to resolve/i.test(message);
}

function safeReason(error: unknown, token?: string): string {
  let text = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  if (token) text = text.split(token).join('[redacted]');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
