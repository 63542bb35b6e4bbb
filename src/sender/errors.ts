/** The delivery never got a reply: the URL is wrong or nothing is listening. One-line message. */
export class DeliveryError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryError';
    this.code = code;
  }
}

const HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused — is the receiver running?',
  ENOTFOUND: 'host not found — check the URL',
  EAI_AGAIN: 'host name lookup failed — check the URL and your network',
  ECONNRESET: 'the connection was closed before a reply came',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the receiver closed the connection while the body was being sent',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the TLS certificate chain is self-signed',
  CERT_HAS_EXPIRED: 'the TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the TLS certificate does not match the host name',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the TLS certificate could not be verified',
};

/** Turns a socket error into `could not reach <url>: <why>`. */
export function networkError(url: string, error: unknown): DeliveryError {
  const code = String((error as { code?: unknown })?.code ?? 'ERR_NETWORK');
  const why = HINTS[code] ?? (error instanceof Error ? error.message : String(error));
  return new DeliveryError(code, `could not reach ${url}: ${why}`, { cause: error });
}
