/**
 * The patch's call-frame information registered with the target's C++ unwinder, on real
 * g++ builds and live processes: an exception thrown by the new code is caught by the
 * unchanged caller; the registration is made from a thread that is not inside the allocator
 * (a preloaded malloc that never returns stands for one holding the allocator's lock), and
 * is left out, with a warning and the patch still applied, when every thread is; a C program
 * has no C++ unwinder and gets a note only.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { anonExecMappings, buildFromC, FIXTURES, killTarget, linesAfter, outputSize, retiredPatchRanges, runCtl, startTarget, type BuiltFixture, type Target } from './test-targets.js';

let dir: string;
let cxx: BuiltFixture;
let stuckMalloc: string;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-frames-'));
  cxx = buildFromC(dir, 'frames', 'frames/frames.cpp', 'frames/frames-patched.cpp', { ldflags: ['-lstdc++', '-lpthread'] });
  stuckMalloc = path.join(dir, 'stuck-malloc.so');
  execFileSync('gcc', ['-O2', '-shared', '-fPIC', '-o', stuckMalloc, path.join(FIXTURES, 'frames', 'stuck-malloc.c')]);
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(mode: string, env: NodeJS.ProcessEnv = {}): Target {
  const t = startTarget(cxx.exe, [mode], path.join(dir, `${mode}-${targets.length}.out`), env);
  targets.push(t);
  return t;
}

function threadsOf(pid: number): number[] {
  return fs.readdirSync(`/proc/${pid}/task`).map(Number);
}

test('the new code throws and the unchanged caller catches it; -v names the unwinder and the thread', async () => {
  const t = start('run');
  expect(new Set(await linesAfter(t.out, 0, 3))).toEqual(new Set(['checked 8']));
  const r = runCtl(['-v', 'patch', '-p', String(t.pid), cxx.kpatch]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toContain(`patch 0001: call-frame information registered with __register_frame_info (libgcc_s.so.1, thread ${t.pid})`);
  const after = await linesAfter(t.out, outputSize(t.out), 4);
  expect(new Set(after.slice(1))).toEqual(new Set(['caught too big']));
  expect(fs.existsSync(`/proc/${t.pid}`)).toBe(true);
});

test('a thread held inside malloc is passed over: another thread registers the frames', async () => {
  const t = start('stuck', { LD_PRELOAD: stuckMalloc });
  const first = await linesAfter(t.out, 0, 3);
  expect(first).toContain('stuck');
  const tids = threadsOf(t.pid);
  expect(tids).toHaveLength(2);
  // The main thread (listed first) is the one held in malloc.
  const other = tids.find((x) => x !== t.pid)!;
  const r = runCtl(['-v', 'patch', '-p', String(t.pid), cxx.kpatch]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toContain(`(libgcc_s.so.1, thread ${other})`);
  expect(r.stdout).not.toContain(`thread ${t.pid})`);
  const after = await linesAfter(t.out, outputSize(t.out), 4);
  expect(new Set(after.slice(1))).toEqual(new Set(['caught too big']));
  expect(threadsOf(t.pid)).toHaveLength(2);
});

test('when every thread is inside the allocator, the patch is applied, the frames are not registered, and a warning says so', async () => {
  const t = start('stuck-only', { LD_PRELOAD: stuckMalloc });
  expect(await linesAfter(t.out, 0, 1)).toEqual(['stuck']);
  const r = runCtl(['patch', '-p', String(t.pid), cxx.kpatch]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`1 patch hunk(s) have been successfully applied to PID '${t.pid}'`);
  expect(r.stderr).toContain(`patch 0001: every thread of pid ${t.pid} was inside the C++ unwinder or the allocator for 2000 ms, so its call-frame information was not registered`);
  expect(runCtl(['info', '-p', String(t.pid)]).stdout).toContain('0001');
  expect(fs.readFileSync(`/proc/${t.pid}/stat`, 'latin1')).toMatch(/\) S /);
});

test('a refused patch whose frames were registered stays mapped, retired and unused; the process runs on unpatched', async () => {
  const t = start('in-check');
  await new Promise((r) => setTimeout(r, 200));
  const r = runCtl(['-v', 'patch', '-p', String(t.pid), cxx.kpatch]);
  expect(r.code).toBe(255);
  expect(r.stderr).toContain('error SAFETY_CHECK_FAILED');
  expect(r.stderr).toContain('_Z5checki');
  // Registered before the freeze, so that no exception can reach the new code unregistered:
  // the unwinder may read its frames at any time, so the mapping is kept (retired), never unmapped.
  expect(retiredPatchRanges(t.pid)).toHaveLength(1);
  expect(anonExecMappings(t.pid)).toEqual([]);
  expect(runCtl(['info', '-p', String(t.pid)]).stdout).not.toContain('0001');
  expect(fs.readFileSync(`/proc/${t.pid}/stat`, 'latin1')).toMatch(/\) S /);
});

test('a C program has no C++ unwinder: a note under -v, no warning', async () => {
  const c = buildFromC(dir, 'plainc', 'lookup/value-main.c', 'lookup/rand-patched.c');
  const t = startTarget(c.exe, ['20'], path.join(dir, 'plainc.out'));
  targets.push(t);
  await linesAfter(t.out, 0, 2);
  const r = runCtl(['-v', 'patch', '-p', String(t.pid), c.kpatch]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toContain(`no C++ unwinder in pid ${t.pid} (no __register_frame_info): call-frame information of 0001 not registered`);
});
