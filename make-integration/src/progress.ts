/**
 * Progress of one make step, told as events (the CLI decides how to show them). Files
 * compiled are counted from the lines tscare-cc appends to TSCARE_LOG (one per call),
 * read from where the log ended when the step began; the total comes from `make -n`
 * (see dry-run.ts) and may be unknown.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

export type ProgressEvent =
  | { kind: 'step-start'; step: string; total: number | undefined }
  | { kind: 'step-tick'; step: string; compiled: number; total: number | undefined; elapsedMs: number }
  | { kind: 'step-end'; step: string; compiled: number; total: number | undefined; elapsedMs: number; ok: boolean };

export type ProgressSink = (event: ProgressEvent) => void;

/** How often a running step reports (and re-reads the log). */
const TICK_MS = 250;

/**
 * Compile units of one wrapper log line of the given stage: `compile a.c -> a.o, b.c -> b.o`
 * counts 2, `compile+link x.c y.c` counts 2, `assemble s.S -> s.o` counts 1; links of
 * objects and pass-through calls (configure probes, -E) count 0.
 */
export function unitsInLogLine(line: string, stage: string): number {
  const m = new RegExp(`: ${stage} (compile(?: -S)?|compile\\+link|assemble) (.*?) exit -?\\d+`).exec(line);
  if (m === null) return 0;
  const [, what = '', args = ''] = m;
  if (what === 'assemble') return 1;
  if (what === 'compile+link') return args.split(' ').filter((a) => a !== '').length;
  return args.split(', ').length;
}

/**
 * A counter of the units of `stage` in the log's complete lines after `offset`; each call
 * reads only what was appended since the previous one.
 */
export function compileCounter(logFile: string, offset: number, stage: string): () => number {
  let pos = offset;
  let count = 0;
  return () => {
    const text = readFrom(logFile, pos);
    const end = text.lastIndexOf('\n') + 1; // a line being written is counted next time
    for (const line of text.slice(0, end).split('\n')) count += unitsInLogLine(line, stage);
    pos += end;
    return count;
  };
}

export function logSize(logFile: string): number {
  return existsSync(logFile) ? statSync(logFile).size : 0;
}

function readFrom(file: string, offset: number): string {
  if (!existsSync(file)) return '';
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    if (size <= offset) return '';
    const buf = Buffer.alloc(size - offset);
    const got = readSync(fd, buf, 0, buf.length, offset);
    // latin1: one char per byte, so character offsets are byte offsets.
    return buf.subarray(0, got).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

export interface StepWatch {
  logFile: string;
  /** The wrapper stage whose lines count (`original`, `patched`); undefined counts nothing. */
  stage: string | undefined;
  step: string;
  total: number | undefined;
  emit: ProgressSink;
}

/** Runs `work` while telling its progress; the end event says whether it succeeded. */
export async function watchStep<T>(w: StepWatch, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const stage = w.stage;
  const compiled = stage === undefined ? () => 0 : compileCounter(w.logFile, logSize(w.logFile), stage);
  w.emit({ kind: 'step-start', step: w.step, total: w.total });
  const timer = setInterval(() => w.emit({ kind: 'step-tick', step: w.step, compiled: compiled(), total: w.total, elapsedMs: Date.now() - start }), TICK_MS);
  let ok = false;
  try {
    const result = await work();
    ok = true;
    return result;
  } finally {
    clearInterval(timer);
    w.emit({ kind: 'step-end', step: w.step, compiled: compiled(), total: w.total, elapsedMs: Date.now() - start, ok });
  }
}
