/** What a command may touch, so tests can run commands in-process with captured output. */
export interface CliIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
}

export type Command = (argv: string[], io: CliIO) => Promise<number>;

export function processIO(): CliIO {
  keepRunningWhenOutputCloses(process.stdout);
  keepRunningWhenOutputCloses(process.stderr);
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/**
 * `listen 2>&1 | head` closes the pipe while the command still has work to finish (deleting its
 * endpoint, answering deliveries). Node turns the next write into an 'error' event that would
 * end the process; with a listener, later writes are dropped instead. Commands that want to say
 * so (serve's event printer) add their own listener too.
 */
function keepRunningWhenOutputCloses(stream: NodeJS.WriteStream): void {
  stream.on('error', () => {});
}
