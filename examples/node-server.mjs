// The same webhook with node:http alone, no framework.
//
//   THUNDERPHONE_WEBHOOK_SECRET=whsec_... PORT=3000 node examples/node-server.mjs
//
// The middleware is the whole request handler: it answers /thunderphone-webhook and gives
// every other path a 404.
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { dedupeKey, memoryDedupeStore, thunderphoneMiddleware } from 'thunderphone-webhooks';

export const WEBHOOK_PATH = '/thunderphone-webhook';

const SUPPORT_AGENT = {
  prompt: 'You are the after-hours line of Harbor Dental. Take a message: name, number, reason for calling.',
  voice: 'en-US-James1',
  product: 'spark',
};

/**
 * Builds the server without listening. `completedCalls` is the in-memory store.
 *
 * ThunderPhone delivers at least once and retries anything that was not a 2xx, so the same
 * event can arrive twice. `dedupe` runs each handler once per event key (`event_id` when sent,
 * else `type:call_id`, see dedupeKey); a repeat is acknowledged without running it again.
 */
export function createServer({ secret = process.env.THUNDERPHONE_WEBHOOK_SECRET, completedCalls = [], logger } = {}) {
  const dedupe = memoryDedupeStore();
  const storeCompletedCall = (event) => {
    completedCalls.push({ key: dedupeKey(event), type: event.type, ...event.data });
  };

  const webhook = thunderphoneMiddleware({
    secret,
    path: WEBHOOK_PATH,
    dedupe,
    ...(logger ? { logger } : {}),
    handlers: {
      // Calls from the web widget get the static agent; phone calls get the support agent.
      'call.incoming': (event) => (event.data.from_number === 'web' ? {} : SUPPORT_AGENT),
      'call.complete': storeCompletedCall,
    },
  });
  // The store's sweep timer never keeps the process alive, so it needs no close() here.
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
