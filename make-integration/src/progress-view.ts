/**
 * How the CLI shows progress: on a terminal one line rewritten in place, in a log (not a
 * TTY) one line per finished step, and nothing in quiet mode (only errors and the table).
 */
import type { ProgressEvent, ProgressSink } from './progress.js';

export type ViewMode = 'tty' | 'lines' | 'quiet';

export interface ProgressView {
  progress: ProgressSink;
  /** A message line (applied patches, restored sources): kept out of the way of the status line. */
  report: (line: string) => void;
}

interface Output {
  write(text: string): unknown;
}

/**
 * `original build: 12/20 files compiled, 3.4s`; `patched build: 1 file compiled, 0.8s`
 * when the total is unknown; no count for a step that compiled nothing and expected nothing.
 */
export function describeProgress(e: Exclude<ProgressEvent, { kind: 'step-start' }>): string {
  const secs = `${(e.elapsedMs / 1000).toFixed(1)}s`;
  const of = e.total === undefined ? e.compiled : Math.max(e.total, e.compiled);
  const count = e.total === undefined ? `${e.compiled}` : `${e.compiled}/${of}`;
  const files = e.compiled === 0 && e.total === undefined ? '' : `${count} file${of === 1 ? '' : 's'} compiled, `;
  return e.kind === 'step-tick' ? `${e.step}: ${files}${secs}` : `${e.step}: ${e.ok ? 'done' : 'FAILED'}, ${files}${secs}`;
}

export function progressView(out: Output, tool: string, mode: ViewMode): ProgressView {
  if (mode === 'quiet') return { progress: () => {}, report: () => {} };
  if (mode === 'lines') {
    return {
      progress: (e) => {
        if (e.kind === 'step-end') out.write(`${tool}: ${describeProgress(e)}\n`);
      },
      report: (line) => out.write(`${tool}: ${line}\n`),
    };
  }
  const CLEAR = '\r\x1b[K';
  return {
    progress: (e) => {
      if (e.kind === 'step-start') out.write(`${CLEAR}${tool}: ${e.step}...`);
      else if (e.kind === 'step-tick') out.write(`${CLEAR}${tool}: ${describeProgress(e)}`);
      else out.write(`${CLEAR}${tool}: ${describeProgress(e)}\n`);
    },
    report: (line) => out.write(`${CLEAR}${tool}: ${line}\n`),
  };
}
