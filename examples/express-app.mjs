// An Express app that picks the agent for each incoming call by the number dialled, and keeps
// every finished call.
//
//   THUNDERPHONE_WEBHOOK_SECRET=whsec_... PORT=3000 node examples/express-app.mjs
//
// Then point a ThunderPhone webhook endpoint at http://<your host>/thunderphone-webhook.
import express from 'express';
import { pathToFileURL } from 'node:url';
import { thunderphoneMiddleware } from 'thunderphone-webhooks';

export const WEBHOOK_PATH = '/thunderphone-webhook';

/** One agent per ThunderPhone number; a number not listed keeps its statically assigned agent. */
const AGENTS_BY_NUMBER = {
  '+15551234567': {
    prompt: 'You are the front desk of Harbor Dental. Book, move or cancel appointments. Keep answers short.',
    voice: 'en-US-James1',
    product: 'spark',
  },
  '+15557654321': {
    prompt: 'Vous êtes le support de Harbor Dental. Répondez en français, brièvement et poliment.',
    voice: 'fr-FR-Denise',
    product: 'bolt',
  },
};

function chooseAgent(event) {
  // `{}` tells ThunderPhone to use the agent assigned to the number in the dashboard.
  return AGENTS_BY_NUMBER[event.data.to_number] ?? {};
}

/**
 * ThunderPhone delivers at least once: a delivery that timed out or got a non-2xx is sent again,
 * so the same call.complete can arrive twice. Keep a key per event and acknowledge repeats
 * without storing them again. `event_id` is not always present; `type:call_id` is unique for
 * completion events (one per call).
 */
function deliveryKey(event) {
  return typeof event.event_id === 'string' ? event.event_id : `${event.type}:${event.data.call_id}`;
}

/**
 * Builds the app. `completedCalls` is the in-memory store (pass your own array to inspect it);
 * in production write to a database before returning, so a crash means a retry, not a lost call.
 */
export function createApp({ secret = process.env.THUNDERPHONE_WEBHOOK_SECRET, completedCalls = [], logger } = {}) {
  const seen = new Set();

  const storeCompletedCall = (event) => {
    const key = deliveryKey(event);
    if (seen.has(key)) return;
    completedCalls.push({ key, type: event.type, ...event.data });
    seen.add(key); // only after the call is stored: a failed attempt must be retried
  };

  const webhook = thunderphoneMiddleware({
    secret,
    ...(logger ? { logger } : {}),
    handlers: {
      'call.incoming': chooseAgent,
      'telephony.incoming': chooseAgent,
      'call.complete': storeCompletedCall,
      'telephony.complete': storeCompletedCall,
    },
  });

  const app = express();
  app.locals.completedCalls = completedCalls;

  // The webhook route comes first: it needs the raw bytes to check the signature.
  app.post(WEBHOOK_PATH, webhook);

  // Body parsers for the other routes go AFTER it. An app.use(express.json()) above the
  // webhook route would consume the body first, and every delivery would get a 500.
  app.use(express.json());

  app.get('/calls', (_req, res) => {
    res.json(completedCalls);
  });
  app.post('/notes', (req, res) => {
    res.status(201).json({ saved: req.body });
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
