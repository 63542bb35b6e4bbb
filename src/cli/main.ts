#!/usr/bin/env node
import { processIO, type CliIO, type Command } from './io.js';
import { quote, reasonOf } from './one-line.js';

const USAGE = `usage: thunderphone-webhooks <command> [flags]

commands:
  serve     run a standalone receiver (verifies, then prints or handles each event)
  trigger   send a signed sample event to a receiver, as ThunderPhone does
  setup     register your webhook URL with ThunderPhone and print its secret
  listen    receive real ThunderPhone webhooks here, through a tunnel and a temporary endpoint

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
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    io.stderr.write(`thunderphone-webhooks: unknown command ${quote(name)}\n\n${USAGE}`);
    return 2;
  }
  return (await load())(rest, io);
}

main(process.argv.slice(2), processIO()).then(
  (code) => {
    // serve resolves only once it has shut down; the other commands when they finish.
    process.exitCode = code;
  },
  (error: unknown) => {
    // An error no command expected: still one line, and no stack trace.
    process.stderr.write(`thunderphone-webhooks: ${reasonOf(error)}\n`);
    process.exitCode = 1;
  },
);
