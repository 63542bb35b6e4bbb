/** A running tunnel: a public URL that reaches a local port. */
export interface Tunnel {
  /** The public base URL, such as https://abc.trycloudflare.com (no trailing slash). */
  publicUrl: string;
  /** Stops the tunnel; safe to call more than once. */
  close(): Promise<void>;
  /**
   * Settles when the tunnel stops on its own (its process exited, its session ended), with the
   * reason as one line. Absent when the provider cannot tell.
   */
  closed?: Promise<string>;
}

/** Something that can expose a local port: `start(localPort) -> {publicUrl, close()}`. */
export interface TunnelProvider {
  /** For messages: "ngrok", "command", "none". */
  readonly name: string;
  start(localPort: number): Promise<Tunnel>;
}

/** A tunnel that could not start; the message is one line that says what to do. */
export class TunnelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TunnelError';
  }
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
