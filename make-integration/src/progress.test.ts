import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCounter, unitsInLogLine, watchStep, type ProgressEvent } from './progress.js';
import { describeProgress, progressView } from './progress-view.js';
import { countSourcesInDryRun } from './dry-run.js';

const PREFIX = '2026-01-01T00:00:00.000Z 42 /p:';

test('log lines count compile units of the asked stage only', () => {
  expect(unitsInLogLine(`${PREFIX} original compile a.c -> a.o exit 0 :: -c a.c`, 'original')).toBe(1);
  expect(unitsInLogLine(`${PREFIX} original compile a.c -> a.o, b.c -> b.o exit 0 :: -c a.c b.c`, 'original')).toBe(2);
  expect(unitsInLogLine(`${PREFIX} patched compile+link x.c y.c exit 0; x.c: merged :: -o p x.c y.c`, 'patched')).toBe(2);
  expect(unitsInLogLine(`${PREFIX} patched assemble s.S -> s.o (hand-written, unchanged) exit 0 :: -c s.S`, 'patched')).toBe(1);
  expect(unitsInLogLine(`${PREFIX} patched link exit 0 :: -o p a.o`, 'patched')).toBe(0);
  expect(unitsInLogLine(`${PREFIX} pass-through (-E: preprocessing only) :: -E a.c`, 'original')).toBe(0);
  expect(unitsInLogLine(`${PREFIX} original compile a.c -> a.o exit 0 :: -c a.c`, 'patched')).toBe(0);
});

test('the counter reads only what was appended, and only complete lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tscare-progress-'));
  try {
    const log = join(dir, 'cc.log');
    writeFileSync(log, `${PREFIX} original compile old.c -> old.o exit 0 :: x\n`);
    const count = compileCounter(log, 0 + `${PREFIX} original compile old.c -> old.o exit 0 :: x\n`.length, 'original');
    expect(count()).toBe(0);
    appendFileSync(log, `${PREFIX} original compile a.c -> a.o exit 0 :: x\n${PREFIX} original compile b.c -> b.o ex`);
    expect(count()).toBe(1);
    appendFileSync(log, `it 0 :: x\n`);
    expect(count()).toBe(2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('watchStep reports start and end, also when the work fails', async () => {
  const events: ProgressEvent[] = [];
  const emit = (e: ProgressEvent) => events.push(e);
  await expect(watchStep({ logFile: '/nonexistent/log', stage: 'original', step: 's', total: 3, emit }, async () => {
    throw new Error('boom');
  })).rejects.toThrow('boom');
  expect(events.map((e) => e.kind)).toEqual(['step-start', 'step-end']);
  expect(events[1]).toMatchObject({ ok: false, compiled: 0, total: 3 });
});

test('progress text: count out of total, count alone, nothing for steps that compile nothing', () => {
  expect(describeProgress({ kind: 'step-tick', step: 'original build', compiled: 12, total: 20, elapsedMs: 3400 })).toBe('original build: 12/20 files compiled, 3.4s');
  expect(describeProgress({ kind: 'step-end', step: 'patched build', compiled: 1, total: undefined, elapsedMs: 800, ok: true })).toBe('patched build: done, 1 file compiled, 0.8s');
  expect(describeProgress({ kind: 'step-end', step: 'make clean', compiled: 0, total: undefined, elapsedMs: 50, ok: false })).toBe('make clean: FAILED, 0.1s');
  // An estimate that was too low never shows 5/3.
  expect(describeProgress({ kind: 'step-tick', step: 'b', compiled: 5, total: 3, elapsedMs: 0 })).toBe('b: 5/5 files compiled, 0.0s');
});

test('views: a TTY rewrites one line, a log gets a line per step, quiet gets nothing', () => {
  const tick: ProgressEvent = { kind: 'step-tick', step: 'b', compiled: 1, total: 2, elapsedMs: 0 };
  const end: ProgressEvent = { kind: 'step-end', step: 'b', compiled: 2, total: 2, elapsedMs: 0, ok: true };
  for (const [mode, expected] of [
    ['tty', '\r\x1b[Kt: b: 1/2 files compiled, 0.0s\r\x1b[Kt: b: done, 2/2 files compiled, 0.0s\n\r\x1b[Kt: msg\n'],
    ['lines', 't: b: done, 2/2 files compiled, 0.0s\nt: msg\n'],
    ['quiet', ''],
  ] as const) {
    let out = '';
    const view = progressView({ write: (t: string) => (out += t) }, 't', mode);
    view.progress(tick);
    view.progress(end);
    view.report('msg');
    expect(out).toBe(expected);
  }
});

test('make -n output: sources on the wrapper lines are counted', () => {
  const text = ['echo compiling a.c', '/w/cc -O2 -c a.c -o a.o', '/w/cc -O2 -o prog main.c util.c', '/w/cc -o prog a.o', 'cp x.c y.c'].join('\n');
  expect(countSourcesInDryRun(text, ['/w/cc'])).toBe(3);
});
