import { TunnelError, trimSlash, type Tunnel, type TunnelProvider } from './types.js';

/** `--tunnel none --public-url URL`: a tunnel the user already runs; nothing is started or stopped. */
export function noTunnel(publicUrl: string): TunnelProvider {
  return {
    name: 'none',
    async start(): Promise<Tunnel> {
      let parsed: URL;
      try {
        parsed = new URL(publicUrl);
      } catch {
        throw new TunnelError('--public-url must be an absolute URL such as https://abc.example.dev');
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        throw new TunnelError(`--public-url must be an https:// URL; got scheme "${parsed.protocol.replace(/:$/, '')}"`);
      }
      if (parsed.search !== '' || parsed.hash !== '') throw new TunnelError('--public-url must not hold a ?query or a #fragment');
      return { publicUrl: trimSlash(parsed.href), close: async () => {} };
    },
  };
}
