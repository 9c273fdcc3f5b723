/**
 * Patching a shared library (not the executable), through a storage directory, and
 * stacking two patches on the same function.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { anonExecMappings, buildFixture, FIXTURES, killTarget, linesAfter, outputSize, runCtl, startTarget, type Target } from './test-targets.js';

let dir: string;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-ctl-lib-'));
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a storage directory patches libgreet.so in a running program (PC32 to libc, GOTPCREL to stdout)', async () => {
  const lib = buildFixture(dir, 'shlib', 'greet.s', 'greet-patched.s', '0004', ['-shared']);
  const soname = path.join(dir, 'libgreet.so');
  fs.renameSync(lib.exe, soname);
  const exe = path.join(dir, 'greeter');
  execFileSync('gcc', ['-O2', '-o', exe, path.join(FIXTURES, 'shlib', 'main.c'), `-L${dir}`, '-lgreet', `-Wl,-rpath,${dir}`]);
  const t = startTarget(exe, ['10'], path.join(dir, 'greeter.out'));
  targets.push(t);
  expect(new Set(await linesAfter(t.out, 0, 3))).toEqual(new Set(['hello, library']));

  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  fs.copyFileSync(lib.kpatch, path.join(storage, `${lib.buildId}.kpatch`));
  const r = runCtl(['patch', '-p', String(t.pid), storage]);
  const at = outputSize(t.out);
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain(`1 patch hunk(s) have been successfully applied to PID '${t.pid}'`);
  expect(new Set(await linesAfter(t.out, at, 3))).toEqual(new Set(['patched hello, library']));
  expect(runCtl(['info', '-p', String(t.pid)]).stdout).toContain('Target:                   libgreet.so\n');

  // The mapping sits within ±2 GiB of the library.
  const maps = fs.readFileSync(`/proc/${t.pid}/maps`, 'utf8').split('\n');
  const libStart = parseInt(maps.find((l) => l.endsWith('libgreet.so'))!.split('-')[0], 16);
  const patchStart = parseInt(anonExecMappings(t.pid)[0].split('-')[0], 16);
  expect(Math.abs(patchStart - libStart)).toBeLessThan(0x80000000);

  expect(runCtl(['unpatch', '-p', String(t.pid), '-i', '0004', 'libgreet.so']).code).toBe(0);
  const at2 = outputSize(t.out);
  expect(new Set(await linesAfter(t.out, at2, 3))).toEqual(new Set(['hello, library']));
});

test('two patch ids stack on one function; unpatching the older first is refused', async () => {
  const first = buildFixture(dir, 'hello', 'foo.s', 'foobar.s', '0001');
  const otherDir = fs.mkdtempSync(path.join(dir, 'second-'));
  const second = buildFixture(otherDir, 'hello', 'foo.s', 'foobar.s', '0002');
  expect(second.buildId).toBe(first.buildId);
  const t = startTarget(first.exe, ['10'], path.join(dir, 'stack.out'));
  targets.push(t);
  await linesAfter(t.out, 0, 2);
  const pid = String(t.pid);
  expect(runCtl(['patch', '-p', pid, first.kpatch]).code).toBe(0);
  expect(runCtl(['patch', '-p', pid, second.kpatch]).code).toBe(0);
  const info = runCtl(['info', '-p', pid]).stdout;
  // Ids are listed in address order, as libcare-ctl does.
  expect(info).toContain('Applied patch number:     2\n');
  expect(info.match(/^Patch id: +(\S+)$/gm)!.map((l) => l.split(/ +/)[2]).sort()).toEqual(['0001', '0002']);

  const refused = runCtl(['unpatch', '-p', pid, '-i', '0001']);
  expect(refused.code).toBe(255);
  expect(refused.stderr).toContain('error PATCH_STACKED: print_hello');
  expect(anonExecMappings(t.pid)).toHaveLength(2);

  expect(runCtl(['unpatch', '-p', pid, '-i', '0002']).code).toBe(0);
  const at = outputSize(t.out);
  expect(new Set(await linesAfter(t.out, at, 2))).toEqual(new Set(['Hello world being patched!']));
  expect(runCtl(['unpatch', '-p', pid, '-i', '0001']).code).toBe(0);
  const at2 = outputSize(t.out);
  expect(new Set(await linesAfter(t.out, at2, 2))).toEqual(new Set(['Hello world!']));
  expect(anonExecMappings(t.pid)).toEqual([]);
});
