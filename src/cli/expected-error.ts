/**
 * An error the CLI raises on purpose, whose message says all there is to say. Its `stack` is just
 * `Name: message`, so a log that prints stacks (the receiver logs a failed handler's stack) shows
 * one line with the reason instead of frames of this library's own code.
 */
export class ExpectedError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    this.stack = `${name}: ${message}`;
  }
}
