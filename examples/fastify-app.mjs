// A Fastify app: the ThunderPhone plugin registers its own route, with the raw body captured for
// that route only, while the app's other routes keep Fastify's JSON parsing.
//
//   THUNDERPHONE_WEBHOOK_SECRET=whsec_... PORT=3000 node examples/fastify-app.mjs
//
// Then point a ThunderPhone webhook endpoint at http://<your host>/thunderphone-webhook.
import Fastify from 'fastify';
import { pathToFileURL } from 'node:url';
import { createReceiver, thunderphonePlugin } from 'thunderphone-webhooks/fastify';

export const WEBHOOK_PATH = '/thunderphone-webhook';

const AGENT = {
  prompt: 'You are the front desk of Harbor Dental. Book, move or cancel appointments. Keep answers short.',
  voice: 'en-US-James1',
  product: 'spark',
};

// ThunderPhone delivers at least once, so the same call.complete can arrive twice.
const deliveryKey = (event) => (typeof event.event_id === 'string' ? event.event_id : `${event.type}:${event.data.call_id}`);

/**
 * Builds the app (not listening). The receiver is created here, not inside the plugin, so a
 * missing secret throws at once instead of at `app.ready()`.
 */
export function createApp({ secret = process.env.THUNDERPHONE_WEBHOOK_SECRET, completedCalls = [], logger } = {}) {
  const seen = new Set();
  const receiver = createReceiver({
    secret,
    ...(logger ? { logger } : {}),
    handlers: {
      // Anyone calling from the web widget gets the number's static agent: `{}`.
      'call.incoming': (event) => (event.data.from_number === 'web' ? {} : AGENT),
      'call.complete': (event) => {
        const key = deliveryKey(event);
        if (seen.has(key)) return;
        completedCalls.push({ key, type: event.type, ...event.data });
        seen.add(key);
      },
    },
  });

  const app = Fastify();
  app.register(thunderphonePlugin, { path: WEBHOOK_PATH, receiver });

  // An ordinary JSON route: Fastify's own parser still handles it.
  app.post('/notes', async (request, reply) => reply.code(201).send({ saved: request.body }));
  app.get('/calls', async () => completedCalls);
  return app;
}

async function main() {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  let app;
  try {
    app = createApp();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  try {
    const address = await app.listen({ port, host });
    console.error(`listening on ${address}${WEBHOOK_PATH}`);
  } catch (error) {
    console.error(`cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  }
  const stop = () => app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
