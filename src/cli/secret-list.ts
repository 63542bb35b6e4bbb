export const SECRET_ENV = 'THUNDERPHONE_WEBHOOK_SECRET';

/**
 * The secrets in a comma-separated THUNDERPHONE_WEBHOOK_SECRET, as serve and trigger both read it.
 * Spaces and tabs around an entry are list formatting ("whsec_a, whsec_b"), never part of a
 * secret (a --secret flag, by contrast, is used exactly as given). An entry that is empty once
 * trimmed is a mistake, not "no secret". The message names the entry by number and never quotes it.
 */
export function splitSecretList(value: string): { secrets: string[] } | { problem: string } {
  const secrets = value.split(',').map((entry) => entry.replace(/^[ \t]+|[ \t]+$/g, ''));
  const empty = secrets.findIndex((entry) => entry === '');
  if (empty >= 0) return { problem: `${SECRET_ENV} has an empty entry (#${empty + 1}); separate several secrets with single commas` };
  return { secrets };
}
