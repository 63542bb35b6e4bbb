// A Next.js App Router route that receives ThunderPhone webhooks.
// In a real Next.js app this file is app/api/thunderphone/route.js (or route.ts); point the
// ThunderPhone webhook endpoint at https://<your-domain>/api/thunderphone.
// It runs unchanged on the Node.js and the Edge runtime: the /web entry uses WebCrypto only.
import { createWebHandler } from 'thunderphone-webhooks/web';

export const POST = createWebHandler({
  // Throws at start-up when the variable is missing, instead of accepting unsigned requests.
  secret: process.env.THUNDERPHONE_WEBHOOK_SECRET,
  handlers: {
    // Blocking: ThunderPhone waits about 2 s for this reply; after 1.8 s the library sends {}
    // (the number's static agent) on its own.
    'call.incoming': async (event) => {
      if (event.data.from_number === 'web') return {}; // widget session: keep the static agent
      return {
        prompt: `You are the front desk. The caller is ${event.data.from_number}. Be brief.`,
        voice: 'en-US-Ava',
      };
    },
    // Non-blocking: a 2xx acknowledges; throwing answers 500 so ThunderPhone retries.
    'call.complete': async (event, { logger }) => {
      logger.info(`call ${event.data.call_id} ended: ${event.data.end_reason ?? 'unknown reason'}`);
    },
  },
});
