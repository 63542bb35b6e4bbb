#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { EXIT } from './args.js';
import { processIO, type CliIO, type Command } from './io.js';
import { quote, reasonOf } from './one-line.js';

const USAGE = `usage: thunderphone-webhooks <command> [flags]

commands:
  serve     run a standalone receiver (verifies, then prints or handles each event)
  trigger   send a signed sample event to a receiver, as ThunderPhone does
  setup     register your webhook URL with ThunderPhone and print its secret
  listen    receive real ThunderPhone webhooks here, through a tunnel and a temporary endpoint

flags:
  --help, -h    show this help (each command has its own: <command> --help)
  --version     print the version

examples:
  THUNDERPHONE_WEBHOOK_SECRET=whsec_... thunderphone-webhooks serve --port 3000
  thunderphone-webhooks trigger call.incoming --url http://127.0.0.1:3000/thunderphone-webhook --secret whsec_...
  SECRET=$(thunderphone-webhooks setup --url https://example.com/thunderphone-webhook)

exit status: 0 ok, 1 a failure at run time, 2 a usage error (a bad flag or value, named on stderr).
Run "thunderphone-webhooks <command> --help" for a command's flags.
`;

const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).runServe,
  trigger: async () => (await import('./trigger.js')).runTrigger,
  setup: async () => (await import('./setup.js')).runSetup,
  listen: async () => (await import('./listen.js')).runListen,
};

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const load = commands[name];
  if (!load) {
    const what = name.startsWith('-') ? `unknown flag ${quote(name)}` : `unknown command ${quote(name)}`;
    io.stderr.write(`thunderphone-webhooks: ${what}\n\n${USAGE}`);
    return EXIT.usage;
  }
  return (await load())(rest, io);
}

/** The installed package's version: dist/cli/main.js (and src/cli/main.ts) sit two levels below package.json. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

main(process.argv.slice(2), processIO()).then(
  (code) => {
    // serve resolves only once it has shut down; the other commands when they finish.
    process.exitCode = code;
  },
  (error: unknown) => {
    // An error no command expected: still one line, and no stack trace.
    process.stderr.write(`thunderphone-webhooks: ${reasonOf(error)}\n`);
    process.exitCode = EXIT.failure;
  },
);
