// Verification cost per request, side by side, in one run. Run: npm run bench
// Prints µs per operation and each variant's ratio to this library's Node verify.
import { createHmac, timingSafeEqual, webcrypto } from 'node:crypto';
import { verify } from '../dist/index.js';
import { verify as webVerify } from '../dist/web/index.js';

const secret = 'whsec_bench_secret_0123456789abcdef';
const sizes = [1024, 16 * 1024, 256 * 1024];
const enc = new TextEncoder();
const dec = new TextDecoder();

// Valid UTF-8 with non-ASCII text, cut to at most `size` bytes on a character boundary.
function bodyOf(size) {
  const filler = 'Olá, José 😀 '.repeat(Math.ceil(size / 10));
  const cut = dec.decode(enc.encode(JSON.stringify({ data: { call_id: 987654321, note: filler }, type: 'call.complete' })).slice(0, size));
  return enc.encode(cut.replace(/\uFFFD+$/, ''));
}

const cachedKey = await webcrypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);

const variants = {
  'this library: verify() (node:crypto, bytes)': (body, sig) => verify(body, sig, secret),
  'this library: web verify() (WebCrypto, cached key)': (body, sig) => webVerify(body, sig, secret),
  'decode to string, then HMAC (octokit/stripe style)': (body, sig) => {
    const expected = createHmac('sha256', secret).update(dec.decode(body)).digest('hex');
    return expected.length === sig.length && timingSafeEqual(Buffer.from(expected), Buffer.from(sig));
  },
  'WebCrypto verify, key cached': (body, sig) => webcrypto.subtle.verify('HMAC', cachedKey, Buffer.from(sig, 'hex'), body),
  'WebCrypto importKey + verify per call': async (body, sig) => {
    const key = await webcrypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    return webcrypto.subtle.verify('HMAC', key, Buffer.from(sig, 'hex'), body);
  },
};

async function measure(fn, body, sig) {
  // Warm up, then time enough iterations for ~300 ms.
  for (let i = 0; i < 200; i++) await fn(body, sig);
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 300_000_000n) {
    for (let i = 0; i < 50; i++) if ((await fn(body, sig)) !== true) throw new Error('variant failed to verify');
    n += 50;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / 1000 / n;
}

console.log(`node ${process.version}, ${new Date().toISOString()}`);
for (const size of sizes) {
  const body = bodyOf(size);
  const sig = createHmac('sha256', secret).update(body).digest('hex');
  const results = [];
  for (const [name, fn] of Object.entries(variants)) results.push([name, await measure(fn, body, sig)]);
  const base = results[0][1];
  console.log(`\nbody ${size / 1024} KiB`);
  for (const [name, us] of results) console.log(`  ${name.padEnd(52)} ${us.toFixed(2).padStart(9)} µs  x${(us / base).toFixed(2)}`);
}
