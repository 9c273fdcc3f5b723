/**
 * Imports that need the target's help: strlen is an IFUNC in glibc, so its resolver must run
 * inside the target. Also a target whose executable file was deleted after it started.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readElfFile } from '@tscare/elf';
import { anonExecMappings, buildFixture, killTarget, linesAfter, outputSize, runCtl, startTarget, type BuiltFixture, type Target } from './test-targets.js';

let dir: string;
let fx: BuiltFixture;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-ctl-ifunc-'));
  fx = buildFixture(dir, 'ifunc', 'measure.s', 'measure-patched.s', '0003');
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

function readMem(pid: number, addr: number, len: number): Buffer {
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  try {
    const b = Buffer.alloc(len);
    fs.readSync(fd, b, 0, len, addr);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

/** New code, a new function (count_call) and a new variable (calls, which must be writable). */
function expectCountedLines(lines: string[]): void {
  const counts = lines.map((l) => {
    const m = /^strlen\(hotpatch\) = 8 \(call (\d+)\)$/.exec(l);
    if (!m) throw new Error(`unexpected line ${JSON.stringify(l)}`);
    return Number(m[1]);
  });
  counts.slice(1).forEach((c, i) => expect(c).toBe(counts[i] + 1));
  expect(counts[0]).toBeGreaterThanOrEqual(1);
}

test('a patch calling an IFUNC (strlen) gets the implementation the process itself uses', async () => {
  const t = startTarget(fx.exe, ['10'], path.join(dir, 'measure.out'));
  targets.push(t);
  expect(new Set(await linesAfter(t.out, 0, 3))).toEqual(new Set(['hotpatch=8']));
  const r = runCtl(['patch', '-p', String(t.pid), fx.kpatch]);
  const at = outputSize(t.out);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expectCountedLines(await linesAfter(t.out, at, 3));

  // The executable's own GOT slot for strlen (bound by ld.so) holds the same address as our jump-table entry.
  const exe = readElfFile(fx.exe);
  const relaPlt = exe.sectionByName('.rela.plt')!;
  const dynsym = exe.symbols(exe.sectionByName('.dynsym')!);
  const slot = exe.relocations(relaPlt).find((x) => dynsym[x.sym].name === 'strlen')!;
  const maps = fs.readFileSync(`/proc/${t.pid}/maps`, 'utf8');
  const base = parseInt(maps.split('\n').find((l) => l.endsWith(fx.exe) && / 00000000 /.test(l))!.split('-')[0], 16);
  const bound = readMem(t.pid, base + slot.r_offset, 8).readBigUInt64LE(0);
  const patchStart = parseInt(anonExecMappings(t.pid)[0].split('-')[0], 16);
  const table = readMem(t.pid, patchStart + 504, 16 + 16 * 4);
  const used = table.readUInt32LE(4);
  const targetsInTable = Array.from({ length: used }, (_, i) => table.readBigUInt64LE(16 + 16 * i + 8));
  expect(targetsInTable).toContain(bound);
  expect(runCtl(['unpatch', '-p', String(t.pid), '-i', '0003']).code).toBe(0);
  const at2 = outputSize(t.out);
  expect(new Set(await linesAfter(t.out, at2, 3))).toEqual(new Set(['hotpatch=8']));
});

test('a process whose executable was deleted is still patched (the ELF is read through map_files)', async () => {
  const copy = path.join(dir, 'measure-deleted');
  fs.copyFileSync(fx.exe, copy);
  fs.chmodSync(copy, 0o755);
  const t = startTarget(copy, ['10'], path.join(dir, 'deleted.out'));
  targets.push(t);
  await linesAfter(t.out, 0, 2);
  fs.rmSync(copy);
  expect(fs.readlinkSync(`/proc/${t.pid}/exe`)).toBe(`${copy} (deleted)`);
  const r = runCtl(['patch', '-p', String(t.pid), fx.kpatch]);
  const at = outputSize(t.out);
  expect(r.code).toBe(0);
  expectCountedLines(await linesAfter(t.out, at, 3));
  expect(runCtl(['info', '-p', String(t.pid)]).stdout).toContain(`Target:                   measure-deleted\nBuild id:                 ${fx.buildId}\n`);
});
