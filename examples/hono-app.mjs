// A Hono app with a ThunderPhone webhook route, a tool endpoint for the agent, and an ordinary
// JSON route. Serve it with Bun (`export default app`), Deno 2 (`Deno.serve(app.fetch)`) or Node
// (`@hono/node-server`). It reads the secret from process.env; on Cloudflare Workers, where
// secrets are bindings, build the handlers from `c.env.THUNDERPHONE_WEBHOOK_SECRET` instead.
import { Hono } from 'hono';
import { createWebHandler, toolHandler } from 'thunderphone-webhooks/web';

const secret = process.env.THUNDERPHONE_WEBHOOK_SECRET;

const webhooks = createWebHandler({
  secret,
  handlers: {
    'call.incoming': () => ({ prompt: 'You book tables at Chez Hono. Be brief.', voice: 'en-US-Ava' }),
    'call.complete': (event, { logger }) => logger.info(`call ${event.data.call_id} complete`),
  },
});

// ThunderPhone calls this when the agent uses the `check_availability` function tool; the
// body is the tool's arguments and whatever this returns is read by the model.
const checkAvailability = createWebHandler(
  toolHandler({ secret }, async (args, { callId }) => {
    if (typeof args.date !== 'string') throw new Error('Please give the date as YYYY-MM-DD.');
    return { date: args.date, available: ['18:30', '20:00'], call: callId };
  }),
);

export const app = new Hono();

// Hand Hono's raw Request over untouched: the signature covers the exact bytes, so no
// c.req.json() before this.
app.post('/thunderphone/webhook', (c) => webhooks(c.req.raw));
app.post('/thunderphone/tools/check-availability', (c) => checkAvailability(c.req.raw));
app.get('/health', (c) => c.json({ ok: true }));

export default app;
