import { buildReceiver, type Receiver, type ReceiverOptions } from './receiver.js';
import { matchSignature } from './signature.js';

/** A receiver that verifies with Node's crypto. Throws at once when no secret is configured. */
export function createReceiver(options: ReceiverOptions): Receiver {
  return buildReceiver(options, matchSignature);
}
