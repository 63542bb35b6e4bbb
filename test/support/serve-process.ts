// Starts the built `serve` command (dist/cli/main.js) in a child process on a free port and
// waits for its `listening on` line. Shared by the corpus, fault, soak and log tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:PORT/PATH as printed. */
  url: string;
  origin: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

export function startServe(args: string[], env: Record<string, string | undefined> = {}): Promise<ServeProcess> {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  delete merged.THUNDERPHONE_WEBHOOK_SECRET;
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...(args.includes('--log') ? [] : ['--log', 'pretty']), ...args], { cwd: ROOT, env: merged });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /^listening on (http:\/\/\S+)$/m.exec(err);
      if (!m) return;
      const url = m[1] as string;
      resolve({
        child,
        port: Number(new URL(url).port),
        url,
        origin: new URL(url).origin,
        stdout: () => out,
        stderr: () => err,
        exited,
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening:\n${err}`)));
  });
}

/** Polls `check` every 20 ms; throws after `ms`. */
export async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
