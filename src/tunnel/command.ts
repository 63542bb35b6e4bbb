import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TunnelError, type Tunnel, type TunnelProvider } from './types.js';
import { findPublicUrl } from './url-in-output.js';

export const DEFAULT_URL_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 3_000;
const KEPT_LINES = 5;

export interface CommandTunnelOptions {
  /** A shell command; `{port}` is replaced by the local port. */
  command: string;
  /** How long to wait for the public URL in the output. Default 30 s. */
  urlTimeoutMs?: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Every line the command prints (stdout and stderr), e.g. for --verbose. */
  onOutput?: (line: string) => void;
}

/**
 * `--tunnel command`: runs any tunnel CLI (cloudflared, localtunnel, ssh -R...) through the
 * shell and reads the public URL from what it prints. The process is the tunnel: when it exits,
 * `closed` settles; `close()` stops it (its whole process group on POSIX).
 */
export function commandTunnel(options: CommandTunnelOptions): TunnelProvider {
  if (!options.command.includes('{port}')) {
    throw new TunnelError('--tunnel-command must contain {port}, where the local port goes (e.g. "cloudflared tunnel --url http://localhost:{port}")');
  }
  return {
    name: 'command',
    start: (localPort) => startCommand(options, localPort),
  };
}

function startCommand(options: CommandTunnelOptions, localPort: number): Promise<Tunnel> {
  const command = options.command.replaceAll('{port}', String(localPort));
  const posix = process.platform !== 'win32';
  const child = spawn(command, {
    shell: true,
    detached: posix, // its own process group, so stopping it stops what the shell started too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(options.env ?? {}) } as NodeJS.ProcessEnv,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const lastLines: string[] = [];
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code ?? '?'}`));
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
  });
  const tail = () => (lastLines.length > 0 ? `; its last output: ${lastLines.join(' | ')}` : '');

  return new Promise<Tunnel>((resolve, reject) => {
    let found = false;
    const timer = setTimeout(() => {
      stop(child, posix);
      reject(new TunnelError(`the tunnel command printed no public URL within ${(options.urlTimeoutMs ?? DEFAULT_URL_TIMEOUT_MS) / 1000} s${tail()}`));
    }, options.urlTimeoutMs ?? DEFAULT_URL_TIMEOUT_MS);

    const onLine = (line: string) => {
      options.onOutput?.(line);
      if (line.trim() !== '') {
        lastLines.push(line.trim().slice(0, 200));
        if (lastLines.length > KEPT_LINES) lastLines.shift();
      }
      if (found) return;
      const publicUrl = findPublicUrl(line, localPort);
      if (publicUrl === undefined) return;
      found = true;
      clearTimeout(timer);
      let closing: Promise<void> | undefined;
      resolve({
        publicUrl,
        closed: exited.then((how) => `the tunnel command exited (${how})${tail()}`),
        close: () => (closing ??= stopAndWait(child, posix, exited)),
      });
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
    }
    void exited.then((how) => {
      if (found) return;
      clearTimeout(timer);
      reject(new TunnelError(`the tunnel command exited (${how}) before printing a public URL${tail()}`));
    });
  });
}

function stop(child: ChildProcess, posix: boolean, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (posix && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Already gone.
  }
}

async function stopAndWait(child: ChildProcess, posix: boolean, exited: Promise<string>): Promise<void> {
  stop(child, posix);
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), KILL_GRACE_MS)));
  const result = await Promise.race([exited, gaveUp]);
  clearTimeout(timer);
  if (result === 'timeout') stop(child, posix, 'SIGKILL');
}
