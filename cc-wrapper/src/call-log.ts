/** One line per wrapper call in TSCARE_LOG, so a pass-through is never silent. */
import { appendFileSync } from 'node:fs';

export function logCall(logFile: string | undefined, line: string, argv: readonly string[]): void {
  if (logFile === undefined) return;
  const quoted = argv.map((a) => (/^[\w./=,+:@%-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  try {
    appendFileSync(logFile, `${new Date().toISOString()} ${process.pid} ${process.cwd()}: ${line} :: ${quoted}\n`);
  } catch {
    // A log that cannot be written must not break the build it describes.
  }
}
