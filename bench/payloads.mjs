// Bodies and signed headers for the end-to-end bench: one place, so every server gets the same
// bytes and each peer gets the signature scheme it checks.
import { createHmac } from 'node:crypto';

export const SECRET = 'whsec_bench_secret_0123456789abcdef';
// standardwebhooks takes a base64 key (after "whsec_"); the same 32 bytes, spelled its way.
export const STD_SECRET = `whsec_${Buffer.from('bench-secret-0123456789abcdef-32').toString('base64')}`;

const enc = new TextEncoder();

/** A call.incoming of about 1 KiB (sorted keys, compact), answered with an agent config. */
export function callIncoming(size = 1024) {
  const base = { data: { call_id: 987654321, direction: 'inbound', from_number: '+14155550199', metadata: {}, to_number: '+15551234567' }, type: 'call.incoming' };
  const fixed = Buffer.byteLength(JSON.stringify(base));
  base.data.metadata = { note: 'x'.repeat(Math.max(0, size - fixed - 9)) };
  return Buffer.from(JSON.stringify(base));
}

const turn = (i) => ({
  content: i % 2 ? `Claro, José, já vejo o seu pedido nº ${i} — são 3 € 😀. ` : `Olá, bom dia! Queria saber do pedido ${i}, por favor; obrigado. `,
  role: i % 2 ? 'assistant' : 'user',
  start_ms: i * 4200,
});

/** A call.complete of exactly `size` bytes (for size >= 512): a long transcript, raw UTF-8 non-ASCII text. */
export function callComplete(size) {
  const transcript = [];
  const event = { data: { call_id: 987654321, duration_s: 600, end_reason: 'caller_hangup', transcript }, type: 'call.complete' };
  let length = Buffer.byteLength(JSON.stringify(event));
  for (let i = 0; ; i++) {
    const next = Buffer.byteLength(JSON.stringify(turn(i))) + 1;
    if (length + next + 16 > size) break;
    transcript.push(turn(i));
    length += next;
  }
  // Pad the last bytes with ASCII so the body is exactly `size`.
  event.data.pad = '';
  const fixed = Buffer.byteLength(JSON.stringify(event));
  event.data.pad = '.'.repeat(Math.max(0, size - fixed));
  const bytes = Buffer.from(JSON.stringify(event));
  if (bytes.byteLength !== size) throw new Error(`callComplete(${size}) made ${bytes.byteLength} bytes`);
  return bytes;
}

/** The headers each server checks, for this body, signed now. */
export function headersFor(scheme, body) {
  const base = { 'content-type': 'application/json' };
  const hmac = (key, data) => createHmac('sha256', key).update(data);
  switch (scheme) {
    case 'thunderphone':
      return { ...base, 'x-thunderphone-signature': hmac(SECRET, body).digest('hex') };
    case 'github':
      return {
        ...base,
        'x-hub-signature-256': `sha256=${hmac(SECRET, body).digest('hex')}`,
        'x-github-event': 'ping',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      };
    case 'stripe': {
      const t = Math.floor(Date.now() / 1000);
      const payload = Buffer.concat([Buffer.from(`${t}.`), body]);
      return { ...base, 'stripe-signature': `t=${t},v1=${hmac(SECRET, payload).digest('hex')}` };
    }
    case 'standard': {
      const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
      const t = Math.floor(Date.now() / 1000);
      const key = Buffer.from(STD_SECRET.slice('whsec_'.length), 'base64');
      const signed = Buffer.concat([Buffer.from(`${id}.${t}.`), body]);
      return { ...base, 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': `v1,${hmac(key, signed).digest('base64')}` };
    }
    default:
      throw new Error(`unknown scheme ${scheme}`);
  }
}

export const utf8Length = (s) => enc.encode(s).byteLength;
