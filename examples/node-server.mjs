// The same webhook with node:http alone, no framework.
//
//   THUNDERPHONE_WEBHOOK_SECRET=whsec_... PORT=3000 node examples/node-server.mjs
//
// The middleware is the whole request handler: it answers /thunderphone-webhook and gives
// every other path a 404.
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { thunderphoneMiddleware } from 'thunderphone-webhooks';

export const WEBHOOK_PATH = '/thunderphone-webhook';

const SUPPORT_AGENT = {
  prompt: 'You are the after-hours line of Harbor Dental. Take a message: name, number, reason for calling.',
  voice: 'en-US-James1',
  product: 'spark',
};

/**
 * ThunderPhone delivers at least once and retries anything that was not a 2xx, so the same
 * event can arrive twice. The key is `event_id` when sent, else `type:call_id`.
 */
function deliveryKey(event) {
  return typeof event.event_id === 'string' ? event.event_id : `${event.type}:${event.data.call_id}`;
}

/** Builds the server without listening. `completedCalls` is the in-memory store. */
export function createServer({ secret = process.env.THUNDERPHONE_WEBHOOK_SECRET, completedCalls = [], logger } = {}) {
  const seen = new Set();
  const storeCompletedCall = (event) => {
    const key = deliveryKey(event);
    if (seen.has(key)) return; // a repeat: acknowledge it, do nothing twice
    completedCalls.push({ key, type: event.type, ...event.data });
    seen.add(key);
  };

  const webhook = thunderphoneMiddleware({
    secret,
    path: WEBHOOK_PATH,
    ...(logger ? { logger } : {}),
    handlers: {
      // Calls from the web widget get the static agent; phone calls get the support agent.
      'call.incoming': (event) => (event.data.from_number === 'web' ? {} : SUPPORT_AGENT),
      'call.complete': storeCompletedCall,
    },
  });
  return http.createServer(webhook);
}

function main() {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  let server;
  try {
    server = createServer();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  server.on('error', (error) => {
    console.error(`cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    console.error(`listening on http://${host}:${server.address().port}${WEBHOOK_PATH}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
