// Child processes of a test (redis-server, serve) must not outlive a test process that died
// without cleaning up: a timed-out test, a killed worker.
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A small shell holds a pipe from this process and, when the pipe closes (this process is gone),
 * kills `child`. It goes away with `child` when that exits normally.
 */
export function watchOver(child: ChildProcess): void {
  const watchdog = spawn('/bin/sh', ['-c', `read _ignored; kill ${child.pid} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.on('error', () => {});
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  child.once('exit', () => watchdog.kill());
}
