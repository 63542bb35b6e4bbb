import { buildReceiver, type Receiver, type ReceiverOptions } from '../core/receiver.js';
import { createWebCryptoVerifier } from './webcrypto-verifier.js';

/** A receiver that verifies with WebCrypto; needs no Node built-in. Throws at once when no secret is configured. */
export function createReceiver(options: ReceiverOptions): Receiver {
  return buildReceiver(options, createWebCryptoVerifier());
}
