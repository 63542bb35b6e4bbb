// A Koa app: the ThunderPhone middleware comes first and answers its own path; koa-bodyparser
// after it parses JSON for every other route.
//
//   THUNDERPHONE_WEBHOOK_SECRET=whsec_... PORT=3000 node examples/koa-app.mjs
//
// Then point a ThunderPhone webhook endpoint at http://<your host>/thunderphone-webhook.
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { pathToFileURL } from 'node:url';
import { thunderphoneKoa } from 'thunderphone-webhooks/koa';

export const WEBHOOK_PATH = '/thunderphone-webhook';

const AGENT = {
  prompt: 'Vous êtes le support de Harbor Dental. Répondez en français, brièvement et poliment.',
  voice: 'fr-FR-Denise',
  product: 'bolt',
};

// ThunderPhone delivers at least once, so the same call.complete can arrive twice.
const deliveryKey = (event) => (typeof event.event_id === 'string' ? event.event_id : `${event.type}:${event.data.call_id}`);

/** Builds the app (not listening). Throws at once when no secret is configured. */
export function createApp({ secret = process.env.THUNDERPHONE_WEBHOOK_SECRET, completedCalls = [], logger } = {}) {
  const seen = new Set();
  const app = new Koa();

  // First, with a path: it needs the raw bytes, and other paths pass straight through.
  app.use(
    thunderphoneKoa({
      path: WEBHOOK_PATH,
      secret,
      ...(logger ? { logger } : {}),
      handlers: {
        'call.incoming': (event) => (event.data.from_number === 'web' ? {} : AGENT),
        'call.complete': (event) => {
          const key = deliveryKey(event);
          if (seen.has(key)) return;
          completedCalls.push({ key, type: event.type, ...event.data });
          seen.add(key);
        },
      },
    }),
  );

  app.use(bodyParser());
  app.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/notes') {
      ctx.status = 201;
      ctx.body = { saved: ctx.request.body };
    } else if (ctx.method === 'GET' && ctx.path === '/calls') {
      ctx.body = completedCalls;
    } else {
      await next();
    }
  });
  return app;
}

function main() {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  let app;
  try {
    app = createApp();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  const server = app.listen(port, host, () => {
    console.error(`listening on http://${host}:${server.address().port}${WEBHOOK_PATH}`);
  });
  server.on('error', (error) => {
    console.error(`cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
