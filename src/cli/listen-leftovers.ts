import { createInterface } from 'node:readline/promises';
import { deleteWebhookEndpoint, type ApiOptions } from '../api/index.js';
import { describeEndpoint, findLeftovers } from './listen-endpoint.js';
import type { ListenIO } from './listen.js';

const NAME = 'thunderphone-webhooks listen';

/**
 * Endpoints with this machine's label are left from a run that could not clean up (a crash, a
 * failed delete). One at the very URL this run is about to register is removed at once: this
 * process now serves that URL, so no other listen can be using it, and left in place it would
 * double every delivery. The others are listed, then removed with --remove-leftovers or a yes on
 * the terminal.
 */
export async function offerLeftoverRemoval(
  label: string,
  webhookUrl: string,
  options: { removeLeftovers: boolean },
  io: ListenIO,
  api: ApiOptions,
  say: (line: string) => void,
): Promise<void> {
  const all = await findLeftovers(label, api);
  const remove = async (endpoints: typeof all) => {
    for (const endpoint of endpoints) {
      const { deleted } = await deleteWebhookEndpoint(endpoint.id, api);
      say(`${NAME}: ${deleted ? 'removed' : 'already gone:'} left-over endpoint ${endpoint.id}`);
    }
  };
  const sameUrl = all.filter((endpoint) => endpoint.url === webhookUrl);
  if (sameUrl.length > 0) {
    say(`${NAME}: a left-over endpoint labelled "${label}" points at ${webhookUrl}, which this run registers; removing it so deliveries are not doubled`);
    await remove(sameUrl);
  }
  const leftovers = all.filter((endpoint) => endpoint.url !== webhookUrl);
  if (leftovers.length === 0) return;
  const count = leftovers.length === 1 ? '1 webhook endpoint' : `${leftovers.length} webhook endpoints`;
  say(`${NAME}: ${count} labelled "${label}" ${leftovers.length === 1 ? 'is' : 'are'} left over from an earlier listen on this machine:`);
  for (const endpoint of leftovers) say(`  ${describeEndpoint(endpoint)}`);
  let confirmed = options.removeLeftovers;
  const ask = io.ask ?? terminalQuestion(io);
  if (!confirmed && ask) {
    confirmed = /^\s*y(es)?\s*$/i.test(await ask(`Remove ${leftovers.length === 1 ? 'it' : 'them'}? Answer no if another listen is running on this machine. [y/N] `));
  }
  if (!confirmed) {
    say(`${NAME}: left as ${leftovers.length === 1 ? 'it is' : 'they are'}; --remove-leftovers removes them without asking`);
    return;
  }
  await remove(leftovers);
}

/** A question on the real terminal, when both stdin and stderr are one. */
function terminalQuestion(io: ListenIO): ((question: string) => Promise<string>) | undefined {
  if (io.stdout !== process.stdout || !process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}

