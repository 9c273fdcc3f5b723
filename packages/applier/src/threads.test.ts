/**
 * tscare-ctl on a multi-threaded target (main + 4 pthreads all calling report()), and on a
 * target whose patched function never returns (the patch must be refused, process untouched).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  anonExecMappings, buildFixture, killTarget, linesAfter, outputSize, runCtl, stableMaps, startTarget, type Target,
} from './test-targets.js';

let dir: string;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-ctl-mt-'));
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every thread of a 5-thread process runs the new report() after patch, the old one after unpatch', async () => {
  const fx = buildFixture(dir, 'threads', 'threads.s', 'threads-patched.s', '0007', ['-lpthread']);
  const t = startTarget(fx.exe, ['10'], path.join(dir, 'threads.out'));
  targets.push(t);
  const before = await linesAfter(t.out, 0, 20);
  expect(before.every((l) => /^thread [0-4]: old$/.test(l))).toBe(true);
  expect(fs.readdirSync(`/proc/${t.pid}/task`)).toHaveLength(5);

  const r = runCtl(['patch', '-p', String(t.pid), fx.kpatch]);
  const at = outputSize(t.out);
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain(`1 patch hunk(s) have been successfully applied to PID '${t.pid}'`);
  const after = await linesAfter(t.out, at, 25);
  // The new code reads the original object's static variable interval_us (10 ms).
  expect(after.every((l) => /^thread [0-4]: new, every 10000 us$/.test(l))).toBe(true);
  expect(new Set(after.map((l) => l.split(':')[0]))).toEqual(new Set(['thread 0', 'thread 1', 'thread 2', 'thread 3', 'thread 4']));

  const u = runCtl(['unpatch', '-p', String(t.pid), '-i', '0007']);
  const at2 = outputSize(t.out);
  expect(u.code).toBe(0);
  const back = await linesAfter(t.out, at2, 20);
  expect(back.every((l) => /^thread [0-4]: old$/.test(l))).toBe(true);
  expect(anonExecMappings(t.pid)).toEqual([]);
});

test('a function a thread never leaves is refused after the retries, naming the thread and the function', async () => {
  const fx = buildFixture(dir, 'busy', 'busy.s', 'busy-patched.s', '0002');
  const t = startTarget(fx.exe, ['10'], path.join(dir, 'busy.out'));
  targets.push(t);
  await linesAfter(t.out, 0, 3);
  const maps = stableMaps(t.pid);
  const r = runCtl(['patch', '-p', String(t.pid), fx.kpatch]);
  expect(r.code).toBe(255);
  expect(r.stdout).toContain(`Failed to apply patch '${fx.kpatch}'`);
  expect(r.stderr).toMatch(new RegExp(`error SAFETY_CHECK_FAILED: thread ${t.pid} of pid ${t.pid} (is executing|has a return address into) spin \\(`));
  expect(stableMaps(t.pid)).toBe(maps);
  const lines = await linesAfter(t.out, outputSize(t.out), 3);
  expect(new Set(lines)).toEqual(new Set(['spinning']));
});
