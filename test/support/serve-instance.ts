// One `serve` instance of a fleet (multi-instance tests): the built CLI in a child process, stdout discarded, with a watchdog.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchOver } from './watchdog.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/** Starts `serve --port 0 ...args` and resolves at its `listening on` line. stdout is discarded. */
export function startServe(args: string[], env: Record<string, string>): Promise<ServeProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.THUNDERPHONE_WEBHOOK_SECRET;
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--log', 'pretty', ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  watchOver(child);
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /^listening on (http:\/\/\S+)$/m.exec(err);
      if (m) resolve({ child, pid: child.pid as number, url: m[1] as string, stderr: () => err, exited, stop });
    });
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening:\n${err}`)));
  });
}
