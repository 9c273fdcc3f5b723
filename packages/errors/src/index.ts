/**
 * The one error type of tscare. Every library throws a TscareError with a stable
 * string code; only a CLI entry point turns it into a message and an exit code.
 */
export class TscareError extends Error {
  readonly code: string;
  /** What the user can do about it; printed after the message by CLIs. */
  readonly hint?: string;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TscareError';
    this.code = code;
    this.hint = options.hint;
  }
}

export function isTscareError(e: unknown): e is TscareError {
  return e instanceof TscareError;
}

/** Formats an error for a CLI: "CODE: message" plus the hint on its own line. */
export function formatError(tool: string, e: unknown): string {
  if (isTscareError(e)) {
    return `${tool}: error ${e.code}: ${e.message}` + (e.hint ? `\n${tool}: hint: ${e.hint}` : '');
  }
  const err = e as Error;
  return `${tool}: internal error: ${err?.stack ?? String(e)}`;
}

export { PARKED_CA_VARIABLE, restoreParkedEnvironment } from './parked-env.js';
