import type { Tunnel, TunnelProvider } from '../../src/tunnel/index.js';
import { startLoopbackProxy, type LoopbackProxy } from './loopback-proxy.mjs';

/** A TunnelProvider over the loopback proxy; `current` is the last one started, for tests to kill. */
export interface LoopbackTunnelProvider extends TunnelProvider {
  current: LoopbackProxy | undefined;
  started: number;
}

export function loopbackTunnel(): LoopbackTunnelProvider {
  const provider: LoopbackTunnelProvider = {
    name: 'loopback',
    current: undefined,
    started: 0,
    async start(localPort): Promise<Tunnel> {
      const proxy = await startLoopbackProxy(localPort);
      provider.current = proxy;
      provider.started += 1;
      return { publicUrl: proxy.publicUrl, close: () => proxy.close(), closed: proxy.died.then((why) => why) };
    },
  };
  return provider;
}
