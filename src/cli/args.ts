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
