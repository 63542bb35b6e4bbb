export type { Tunnel, TunnelProvider } from './types.js';
export { TunnelError } from './types.js';
export { commandTunnel, type CommandTunnelOptions } from './command.js';
export { ngrokTunnel, type NgrokTunnelOptions } from './ngrok.js';
export { noTunnel } from './none.js';
export { findPublicUrl } from './url-in-output.js';
