// `serve` run in this process through runServe, with captured output and injected signals.
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { runServe } from '../../src/cli/serve.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function serveInProcess(args: string[], options: { secret: string; startTimeoutMs: number }) {
  const signals = new EventEmitter();
  const io = { out: '', err: '' };
  const done = runServe(['--port', '0', '--secret', options.secret, '--log', 'pretty', ...args], {
    stdout: { write: (c: string) => (io.out += c) },
    stderr: { write: (c: string) => (io.err += c) },
    env: {},
    cwd: ROOT,
    signals,
  });
  /** Resolves with the URL from serve's `listening on` line. */
  const url = async () => {
    const until = Date.now() + options.startTimeoutMs;
    while (!/^listening on /m.test(io.err)) {
      if (Date.now() > until) throw new Error(`serve did not start: ${io.err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return (/^listening on (\S+)$/m.exec(io.err) as RegExpExecArray)[1] as string;
  };
  return { io, done, url, stop: () => signals.emit('SIGTERM', 'SIGTERM') };
}
