import { sign } from '../core/signature.js';
import { SELF_TEST_HEADER } from './listen-gate.js';

export const SELF_TEST_TIMEOUT_MS = 10_000;

export type SelfTestResult = { ok: true; latencyMs: number } | { ok: false; message: string };

/**
 * Sends a signed synthetic delivery to the public URL, as ThunderPhone would, and checks that the
 * local receiver answered it: proof that the tunnel reaches it and that the secret hand-off worked.
 */
export async function runSelfTest(webhookUrl: string, secret: string, nonce: string, timeoutMs = SELF_TEST_TIMEOUT_MS): Promise<SelfTestResult> {
  const body = JSON.stringify({ data: { nonce }, type: 'thunderphone-webhooks.self_test' });
  const started = performance.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-thunderphone-signature': sign(body, secret), [SELF_TEST_HEADER]: nonce },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    text = await response.text();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const why = name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : networkReason(error);
    return { ok: false, message: `the self-test delivery could not go through the public URL ${webhookUrl}: ${why}` };
  }
  const latencyMs = performance.now() - started;
  if (isHtml(response, text)) {
    return {
      ok: false,
      message:
        `the public URL answered the self-test with an HTML page (status ${response.status}) instead of the receiver's JSON: ` +
        'the tunnel shows an interstitial or error page (a browser warning, a "click to continue" reminder, a login wall), and ' +
        "ThunderPhone's deliveries would get it too. Fix: use a tunnel without one (cloudflared, or ngrok with an authtoken), " +
        "or turn the page off in the tunnel's settings; --skip-self-test if you are sure deliveries get through",
    };
  }
  if (response.status >= 300 && response.status < 400) {
    return { ok: false, message: `the public URL redirected the self-test (${response.status}); ThunderPhone does not follow redirects: give the final URL` };
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (response.status === 200 && (answer as { self_test?: unknown } | undefined)?.self_test === nonce) return { ok: true, latencyMs };
  if (response.status === 401) {
    return { ok: false, message: 'the self-test reached a receiver that refused its signature (401): the public URL leads to another receiver, not this one' };
  }
  return {
    ok: false,
    message: `the self-test through ${webhookUrl} got ${response.status} instead of this receiver's answer: the public URL does not lead to this listen (check the tunnel's target port and --path)`,
  };
}

function isHtml(response: Response, text: string): boolean {
  const type = response.headers.get('content-type') ?? '';
  return /text\/html/i.test(type) || /^\s*<(!doctype|html|head|body)/i.test(text);
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
