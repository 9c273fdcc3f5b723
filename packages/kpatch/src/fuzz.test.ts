/**
 * Fuzzing the `.kpatch` reader: 12,000 deterministic mutants of a real built patch
 * (testing/kpatch-mutants.ts). Only TscareErrors may come out; each parse is time-boxed by
 * running the loop in a worker (dist/testing/fuzz-worker.js; `tsc -b packages/kpatch` first)
 * that the test stops when one mutant takes longer than HANG_MS.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildKpatch } from './build.js';
import { buildFooPair, makeScratch, type Scratch } from './testing/toolchain.js';
import type { FuzzJob, FuzzSummary } from './testing/fuzz-worker.js';
import { makeMutant, structuredFields } from './testing/kpatch-mutants.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'testing', 'fuzz-worker.js');
const SEED = 0x6b706174;
const COUNT = 12000;
const HANG_MS = 2000;

let s: Scratch;
let good: Buffer;

beforeAll(async () => {
  s = makeScratch();
  const pair = buildFooPair(s);
  const r = await buildKpatch({ original: pair.orig, patched: pair.patched, patchId: '0001' });
  if (r.kind !== 'built') throw new Error(r.reason);
  good = r.bytes;
});
afterAll(() => s.cleanup());

/** Runs the job in a worker; rejects naming the mutant when one parse exceeds HANG_MS. */
function runFuzz(job: Omit<FuzzJob, 'progress'>): Promise<FuzzSummary> {
  const progress = new SharedArrayBuffer(4);
  const slot = new Int32Array(progress);
  const worker = new Worker(WORKER, { workerData: { ...job, progress } });
  return new Promise((resolve, reject) => {
    let last = -1;
    let since = Date.now();
    const watchdog = setInterval(() => {
      const now = Atomics.load(slot, 0);
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since > HANG_MS) {
        clearInterval(watchdog);
        void worker.terminate();
        const m = makeMutant(Buffer.from(job.good), structuredFields(Buffer.from(job.good)), job.seed, now);
        reject(new Error(`mutant ${now} (seed ${job.seed}: ${m.what}) did not finish within ${HANG_MS} ms`));
      }
    }, 50);
    worker.once('message', (summary: FuzzSummary) => {
      clearInterval(watchdog);
      resolve(summary);
    });
    worker.once('error', (e) => {
      clearInterval(watchdog);
      reject(e);
    });
  });
}

describe('the .kpatch reader under 12,000 mutated files', () => {
  test('mutants are deterministic and hit structured fields', () => {
    const fields = structuredFields(good);
    const names = fields.map((f) => f.name);
    for (const want of ['header.kpatch_offset', 'header.total_size', 'elf.e_shoff', 'elf.e_shnum', 'elf.e_shstrndx', '.kpatch.info[0].dlen']) expect(names).toContain(want);
    expect(names.some((n) => /^shdr\[\d+\]\.sh_offset$/.test(n))).toBe(true);
    expect(names.some((n) => /^\.symtab\[\d+\]\.st_shndx$/.test(n))).toBe(true);
    expect(names.some((n) => /^\.rela\.kpatch\.text\[\d+\]\.r_offset$/.test(n))).toBe(true);
    expect(makeMutant(good, fields, SEED, 77)).toEqual(makeMutant(good, fields, SEED, 77));
    expect(makeMutant(good, fields, SEED, 77).data).not.toEqual(good);
  });

  test('only TscareErrors, no parse over the time box, and many different refusals', async () => {
    const summary = await runFuzz({ good, seed: SEED, count: COUNT });
    expect(summary.crashes).toEqual([]);
    const total = Object.values(summary.codes).reduce((a, b) => a + b, 0);
    expect(total).toBe(COUNT);
    for (const code of ['KPATCH_TRUNCATED', 'KPATCH_BAD_OFFSET', 'KPATCH_BAD_ELF', 'KPATCH_BAD_INFO', 'KPATCH_BAD_ID', 'KPATCH_BAD_BUILDID']) {
      expect(summary.codes[code]).toBeGreaterThan(0);
    }
    // Each parse of this ~3 KiB file is far below a millisecond; a second would mean a
    // pathological loop (generous: on a loaded 2-core machine a GC pause alone took 125 ms).
    expect(summary.slowest.ms).toBeLessThan(1000);
    process.stdout.write(`kpatch fuzz: ${JSON.stringify(summary.codes)}, slowest ${summary.slowest.ms.toFixed(2)} ms (mutant ${summary.slowest.index})\n`);
  }, 60000);
});
