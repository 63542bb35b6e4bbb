/** How much of a user-supplied value an error message quotes. */
export const MAX_QUOTED = 80;
/** How long a reason taken from someone else's error (JSON.parse, a module's own throw) may be. */
export const MAX_REASON = 240;

/**
 * `text` as one terminal line: each run of CR/LF (and any other control character) becomes a
 * single space. Every line the CLI writes passes through this, since a message may quote a
 * file's content, an argument or another library's error.
 */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
}

/** A value shown in a message: cut to `max` characters, then JSON-quoted so line breaks show as \n. */
export function quote(value: string, max = MAX_QUOTED): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** An error's message as one line of at most `max` characters. */
export function reasonOf(error: unknown, max = MAX_REASON): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = oneLine(message).replace(/ {2,}/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * A stream whose every write becomes exactly one line: the place where a command's stderr
 * messages are composed, so no quoted file content, argument or error can break them.
 */
export function oneLineWriter(stream: { write(chunk: string): unknown }): { write(chunk: string): unknown } {
  return { write: (chunk: string) => stream.write(`${oneLine(chunk.replace(/\n$/, ''))}\n`) };
}
