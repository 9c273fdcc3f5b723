/**
 * Test support, run in a worker thread (from dist/) so that the test can time-box each parse
 * and stop a parse that never returns. Reports progress through shared memory before each
 * mutant and posts a summary at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isTscareError } from '@tscare/errors';
import { describeInfoEntries } from '../describe.js';
import { formatInfo } from '../format-info.js';
import { parseKpatch } from '../reader.js';
import { makeMutant, structuredFields } from './kpatch-mutants.js';

export interface FuzzJob {
  good: Uint8Array;
  seed: number;
  count: number;
  /** Int32 slot 0: index of the mutant being parsed. */
  progress: SharedArrayBuffer;
}

export interface FuzzSummary {
  codes: Record<string, number>;
  crashes: { index: number; what: string; error: string }[];
  slowest: { index: number; ms: number };
}

function runJob(job: FuzzJob): FuzzSummary {
  const good = Buffer.from(job.good);
  const fields = structuredFields(good);
  const progress = new Int32Array(job.progress);
  const summary: FuzzSummary = { codes: {}, crashes: [], slowest: { index: -1, ms: 0 } };
  for (let i = 0; i < job.count; i++) {
    Atomics.store(progress, 0, i);
    const m = makeMutant(good, fields, job.seed, i);
    const t0 = performance.now();
    let code: string;
    try {
      // What the reader accepts must also go through what `info` and tscare-ctl print.
      const kp = parseKpatch(m.data, `mutant-${i}`);
      formatInfo(kp);
      describeInfoEntries(kp);
      code = 'accepted';
    } catch (e) {
      if (!isTscareError(e)) {
        if (summary.crashes.length < 5) summary.crashes.push({ index: i, what: m.what, error: (e as Error)?.stack ?? String(e) });
        code = 'CRASH';
      } else code = e.code;
    }
    const ms = performance.now() - t0;
    if (ms > summary.slowest.ms) summary.slowest = { index: i, ms };
    summary.codes[code] = (summary.codes[code] ?? 0) + 1;
  }
  Atomics.store(progress, 0, job.count);
  return summary;
}

parentPort?.postMessage(runJob(workerData as FuzzJob));
