import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ExpectedError } from './expected-error.js';
import { oneLine } from './one-line.js';

/** The part of a parseArgs option config this needs: which flags take a value. */
type OptionShapes = Record<string, { type: 'string' | 'boolean'; short?: string }>;

const NEGATIVE_NUMBER = /^-\d/;

/**
 * parseArgs refuses `--port -1` as "ambiguous": the value looks like a flag. A flag that takes a
 * value, followed by something shaped like a negative number, takes it as its value (rewritten as
 * `--port=-1`), so the command's own check explains what is wrong with it. Nothing after `--` is
 * touched, and no flag of ours starts with a digit, so nothing else can be meant.
 */
export function attachNegativeValues(argv: readonly string[], options: OptionShapes): string[] {
  const takesValue = new Set<string>();
  for (const [name, shape] of Object.entries(options)) {
    if (shape.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (shape.short) takesValue.add(`-${shape.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (takesValue.has(arg) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * The CLI's conventions, shared by every command (src/cli/<name>.ts):
 * - exit codes: EXIT.ok (0), EXIT.failure (1, something went wrong at run time), EXIT.usage (2,
 *   the command line is wrong);
 * - a usage error is one line that names the bad flag, then points at `--help`;
 * - `--help` (and `-h`) prints the command's usage, with examples, on stdout and exits 0.
 * A new command parses with `parseFlags` and throws `UsageError` for a bad value; `usageMessage`
 * composes the line it prints.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class UsageError extends ExpectedError {
  constructor(message: string) {
    super('UsageError', message);
  }
}

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']> & OptionShapes;

/** parseArgs, strict, with negative values attached; a malformed command line throws UsageError. */
export function parseFlags<const O extends ParseArgsOptions, const P extends boolean = false>(
  argv: readonly string[],
  options: O,
  allowPositionals?: P,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>> {
  try {
    return parseArgs({ args: attachNegativeValues(argv, options), options, strict: true, allowPositionals: (allowPositionals ?? false) as P });
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
}

/**
 * parseArgs's own messages, reworded to name the flag and nothing more. A stray positional is
 * not quoted: it is often a secret or an API key pasted without its flag.
 */
export function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  // "Option '-v, --verbose' does not take an argument": the long name when there is one.
  const flag = /'(?:-\w, )?(-[^' ,]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${flag ?? message}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
    if (/argument missing/.test(message)) return `${flag} needs a value`;
    if (/does not take an argument/.test(message)) return `${flag} takes no value`;
    if (/ambiguous/.test(message)) return `${flag} needs a value; to give one that starts with "-", write ${flag}=VALUE`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return 'unexpected argument: this command takes only flags (a value needs its flag)';
  return oneLine(message);
}

/** The one line a usage error prints: `thunderphone-webhooks <command>: <message> (see --help)`. */
export function usageMessage(command: string, message: string): string {
  return `thunderphone-webhooks ${command}: ${oneLine(message)} (see "thunderphone-webhooks ${command} --help")`;
}

/** A TCP port 0–65535 written as plain digits, else undefined. */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** An http: or https: URL, else undefined. */
export function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
