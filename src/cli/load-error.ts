import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { reasonOf } from './one-line.js';

/**
 * Why a module failed to load, as one line: `SyntaxError: Unexpected token ';' at /app/h.mjs:2:7`.
 * The location comes from the error when it carries one: CommonJS syntax errors start their stack
 * with `file:line` and a caret line, and an error thrown while the module runs has the module as
 * its first stack frame. Node 20 gives an ES module's syntax error no location at all, so for a
 * SyntaxError without one, `node --check` is asked for it.
 */
export function describeLoadError(error: unknown, file?: string): string {
  const what = error instanceof Error ? `${error.name}: ${reasonOf(error)}` : reasonOf(error);
  const where = locationInStack(error) ?? (error instanceof SyntaxError && file !== undefined ? locationFromCheck(file) : undefined);
  return where ? `${what} at ${where}` : what;
}

function locationInStack(error: unknown): string | undefined {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  return caretLocation(stack) ?? firstFrame(stack);
}

/** `file:line`, the source line, then `^` under the column: how Node prints where parsing stopped. */
export function caretLocation(text: string): string | undefined {
  const [head, , caret] = text.split('\n');
  const line = /^(.+):(\d+)$/.exec(head ?? '');
  const column = caret === undefined ? -1 : caret.search(/\^/);
  if (!line || column < 0 || caret?.slice(0, column).trim() !== '') return undefined;
  return `${toPath(line[1] as string)}:${line[2]}:${column + 1}`;
}

// The first frame with a position (skipping ones like `JSON.parse (<anonymous>)`), and only if it
// is a file: later ones may be this library's own import() call, and a node: one is Node's.
function firstFrame(stack: string): string | undefined {
  for (const line of stack.split('\n')) {
    const frame = /^\s+at (?:async )?(.*)$/.exec(line)?.[1];
    if (frame === undefined) continue;
    const inner = frame.endsWith(')') ? frame.slice(frame.lastIndexOf('(') + 1, -1) : frame;
    const position = /^(.+):(\d+):(\d+)$/.exec(inner);
    if (!position) continue;
    const where = position[1] as string;
    if (!/^(file:\/\/|\/|[A-Za-z]:\\)/.test(where)) return undefined;
    return `${toPath(where)}:${position[2]}:${position[3]}`;
  }
  return undefined;
}

function locationFromCheck(file: string): string | undefined {
  if (process.release?.name !== 'node') return undefined;
  try {
    const result = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 5000, windowsHide: true });
    return result.status === 0 ? undefined : caretLocation(result.stderr ?? '');
  } catch {
    return undefined;
  }
}

function toPath(location: string): string {
  try {
    return location.startsWith('file://') ? fileURLToPath(location) : location;
  } catch {
    return location;
  }
}
