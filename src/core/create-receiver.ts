import { withBodyHasher } from './body-digest.js';
import { buildReceiver, type Receiver, type ReceiverOptions } from './receiver.js';
import { matchSignature } from './signature.js';

/**
 * A receiver that verifies with Node's crypto. Throws at once when no secret is configured.
 * The Node adapters hash the body while it arrives, with the hasher it carries.
 */
export function createReceiver(options: ReceiverOptions): Receiver {
  return withBodyHasher(buildReceiver(options, matchSignature), options.secrets ?? options.secret);
}
