/**
 * tscare-ctl against real processes: real gcc output, real .kpatch files from tscare-kpatch,
 * real ptrace. Targets run in their own session, not as children of the test process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readElfFile, SHN_UNDEF } from '@tscare/elf';
import { readKpatchFile } from '@tscare/kpatch';
import {
  anonExecMappings, buildFixture, killTarget, linesAfter, outputSize, runCtl, stableMaps, startTarget,
  type BuiltFixture, type Target,
} from './test-targets.js';

const OLD = 'Hello world!';
const NEW = 'Hello world being patched!';

let dir: string;
let hello: BuiltFixture;
let target: Target | undefined;

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-ctl-'));
  hello = buildFixture(dir, 'hello', 'foo.s', 'foobar.s', '0001');
  target = startTarget(hello.exe, ['20'], path.join(dir, 'hello.out'));
});

afterAll(() => {
  killTarget(target);
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectRefusedUntouched(args: string[], code: string, before: { maps: string }): string {
  const r = runCtl(args);
  expect(r.code).toBe(255);
  expect(r.stderr).toContain(`tscare-ctl: error ${code}: `);
  expect(stableMaps(target!.pid)).toBe(before.maps);
  return r.stderr;
}

async function expectStillOld(): Promise<void> {
  const lines = await linesAfter(target!.out, outputSize(target!.out), 3);
  expect(new Set(lines)).toEqual(new Set([OLD]));
}

describe('tscare-ctl on a single-threaded program (print_hello → new text)', () => {
  test('before any patch the program prints only the old line', async () => {
    const lines = await linesAfter(target!.out, 0, 3);
    expect(new Set(lines)).toEqual(new Set([OLD]));
    expect(runCtl(['info', '-p', String(target!.pid)])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('errors leave the process running and unpatched', async () => {
    const pid = String(target!.pid);
    const before = { maps: stableMaps(target!.pid) };
    const missing = runCtl(['patch', '-p', '999999999', hello.kpatch]);
    expect(missing.code).toBe(255);
    expect(missing.stderr).toContain('error PROCESS_NOT_FOUND: process 999999999 does not exist');

    const other = buildFixture(dir, 'threads', 'threads.s', 'threads-patched.s', '0007', ['-lpthread']);
    const msg = expectRefusedUntouched(['patch', '-p', pid, other.kpatch], 'PATCH_BUILDID_MISMATCH', before);
    expect(msg).toContain(other.kpatch);
    expect(msg).toContain(other.buildId);
    expect(msg).toContain(hello.buildId);
    expect(msg).toContain(`pid ${pid}`);

    const data = fs.readFileSync(hello.kpatch);
    const truncated = path.join(dir, 'truncated.kpatch');
    fs.writeFileSync(truncated, data.subarray(0, data.length - 100));
    expectRefusedUntouched(['patch', '-p', pid, truncated], 'KPATCH_TRUNCATED', before);
    const badMagic = path.join(dir, 'bad-magic.kpatch');
    const copy = Buffer.from(data);
    copy[3] ^= 0xff;
    fs.writeFileSync(badMagic, copy);
    expectRefusedUntouched(['patch', '-p', pid, badMagic], 'KPATCH_BAD_MAGIC', before);

    expectRefusedUntouched(['unpatch', '-p', pid, '-i', '0001'], 'PATCH_NOT_APPLIED', before);
    expect(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).not.toMatch(/State:\s+[TtZ]/);
    await expectStillOld();
  });

  test('patch: new line appears, old one is gone, LibcarePlus output', async () => {
    const pid = target!.pid;
    const r = runCtl(['patch', '-p', String(pid), hello.kpatch]);
    const after = outputSize(target!.out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`kpatch_ctl targeting pid ${pid}`);
    expect(lines[1]).toBe(`kpatch_ctl cmdline="${hello.exe}\\x0020\\x00"`);
    expect(lines[2]).toMatch(new RegExp(`^PID '${pid}' process patch frozen_time is \\d+ microsecond$`));
    expect(lines[3]).toBe(`1 patch hunk(s) have been successfully applied to PID '${pid}'`);
    const printed = await linesAfter(target!.out, after, 4);
    expect(printed.length).toBeGreaterThanOrEqual(4);
    expect(new Set(printed)).toEqual(new Set([NEW]));
    expect(anonExecMappings(pid)).toHaveLength(1);
  });

  test('the target memory has LibcarePlus\'s layout', () => {
    const pid = target!.pid;
    const kp = readKpatchFile(hello.kpatch);
    const [line] = anonExecMappings(pid);
    const [start, end] = line.split(' ')[0].split('-').map((h) => parseInt(h, 16));
    const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
    const read = (addr: number, len: number): Buffer => {
      const b = Buffer.alloc(len);
      fs.readSync(fd, b, 0, len, addr);
      return b;
    };
    try {
      const head = read(start, 504);
      expect(head.subarray(0, 8).toString('latin1')).toBe('KPATCH1\0');
      expect(head.subarray(8, 12).toString('latin1')).toBe('0001');
      expect(head.subarray(88, 128).toString('latin1')).toBe(hello.buildId);
      const jmp = head.readUInt32LE(164);
      const elf = head.readUInt32LE(168);
      const total = Number(head.readBigUInt64LE(176));
      const undo = head.readUInt32LE(184);
      const info = head.readUInt32LE(188);
      const data = kp.elf.sectionByName('.kpatch.data')!;
      expect(jmp).toBe(504);
      expect(elf % 4096).toBe(0);
      expect(info).toBe(elf + kp.infoSection.sh_offset);
      expect(end - start).toBe(elf + data.sh_offset); // header, jump table and code are r-x
      const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
      const rw = maps.split('\n').find((l) => l.startsWith(`${end.toString(16)}-`))!;
      expect(parseInt(rw.split(/[- ]/)[1], 16) - start).toBe(total);
      // Jump table: {size, used, max} then `jmp *2(%rip); nop; nop; .quad addr` per import.
      const symtab = kp.elf.sections.find((s) => s.name === '.symtab')!;
      const imports = kp.elf.symbols(symtab).filter((s) => s.index > 0 && s.st_shndx === SHN_UNDEF).length;
      const table = read(start + jmp, 16 + 16 * imports);
      expect([table.readUInt32LE(0), table.readUInt32LE(4), table.readUInt32LE(8)]).toEqual([16 + 16 * imports, imports, imports]);
      expect(table.subarray(16, 24)).toEqual(Buffer.from([0xff, 0x25, 2, 0, 0, 0, 0x90, 0x90]));
      // Info entry 0: the old function now starts with E9 to the new one; the undo slot has its old bytes.
      const entry = read(start + info, 48);
      const daddr = Number(entry.readBigUInt64LE(0));
      const saddr = Number(entry.readBigUInt64LE(8));
      expect(saddr).toBeGreaterThan(start + elf);
      const jump = read(daddr, 5);
      expect(jump[0]).toBe(0xe9);
      expect(daddr + 5 + jump.readInt32LE(1)).toBe(saddr);
      const exe = readElfFile(hello.exe);
      const sym = exe.symbols(exe.sections.find((s) => s.name === '.symtab')!).find((s) => s.name === 'print_hello')!;
      const text = exe.sections.find((s) => sym.st_value >= s.sh_addr && sym.st_value < s.sh_addr + s.sh_size && s.name === '.text')!;
      const original = exe.data.subarray(text.sh_offset + sym.st_value - text.sh_addr, text.sh_offset + sym.st_value - text.sh_addr + 5);
      expect(read(start + undo, 5)).toEqual(original);
      expect(read(start + info + 48, 24)).toEqual(Buffer.alloc(24)); // terminator
    } finally {
      fs.closeSync(fd);
    }
  });

  test('info shows the applied patch; the same id again is refused', async () => {
    const pid = target!.pid;
    const info = runCtl(['info', '-p', String(pid)]);
    expect(info.code).toBe(0);
    expect(info.stdout).toBe(
      `Pid:                      ${pid}\n` +
      `Target:                   ${path.basename(hello.exe)}\n` +
      `Build id:                 ${hello.buildId}\n` +
      'Applied patch number:     1\n' +
      'Patch id:                 0001\n\n');
    const before = { maps: stableMaps(pid) };
    const msg = expectRefusedUntouched(['patch-user', '-p', String(pid), hello.kpatch], 'PATCH_ALREADY_APPLIED', before);
    expect(msg).toContain('0001');
    const lines = await linesAfter(target!.out, outputSize(target!.out), 2);
    expect(new Set(lines)).toEqual(new Set([NEW]));
  });

  test('unpatch puts the old function back and unmaps the patch', async () => {
    const pid = target!.pid;
    const r = runCtl(['unpatch', '-p', String(pid), '-i', '0001']);
    const after = outputSize(target!.out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`frozen_time is \\d+ microsecond\\n1 patch hunk\\(s\\) were successfully cancelled from PID '${pid}'\\n$`));
    expect(new Set(await linesAfter(target!.out, after, 3))).toEqual(new Set([OLD]));
    expect(anonExecMappings(pid)).toEqual([]);
    expect(runCtl(['info', '-p', String(pid)]).stdout).toBe('');
  });

  test('a storage directory: BUILDID.kpatch, BUILDID/latest/kpatch.bin, and nothing applicable', async () => {
    const pid = String(target!.pid);
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    expect(runCtl(['patch', '-p', pid, empty])).toMatchObject({ code: 0, stdout: expect.stringContaining(`No patch(es) applicable to PID '${pid}' have been found\n`) });

    const levels = fs.mkdtempSync(path.join(dir, 'levels-'));
    fs.mkdirSync(path.join(levels, hello.buildId, '1'), { recursive: true });
    fs.copyFileSync(hello.kpatch, path.join(levels, hello.buildId, '1', 'kpatch.bin'));
    fs.symlinkSync('1', path.join(levels, hello.buildId, 'latest'));
    expect(runCtl(['patch', '-p', pid, levels]).code).toBe(0);
    const [line] = anonExecMappings(target!.pid);
    const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
    const head = Buffer.alloc(504);
    fs.readSync(fd, head, 0, 504, parseInt(line.split('-')[0], 16));
    fs.closeSync(fd);
    expect(head.readUInt32LE(192)).toBe(1); // user_level from the latest link
    expect(runCtl(['unpatch', '-p', pid, '-i', '0001']).code).toBe(0);

    const flat = fs.mkdtempSync(path.join(dir, 'flat-'));
    fs.copyFileSync(hello.kpatch, path.join(flat, `${hello.buildId}.kpatch`));
    expect(runCtl(['-v', 'patch', '-p', pid, flat]).code).toBe(0);
    const after = outputSize(target!.out);
    expect(new Set(await linesAfter(target!.out, after, 2))).toEqual(new Set([NEW]));
    expect(runCtl(['unpatch-user', '-p', pid, '-i', '0001']).code).toBe(0);
    await expectStillOld();
  });

  test('storage before/after scripts run with the pid; a failing before stops the patch', async () => {
    const pid = String(target!.pid);
    const storage = fs.mkdtempSync(path.join(dir, 'hooks-'));
    fs.copyFileSync(hello.kpatch, path.join(storage, `${hello.buildId}.kpatch`));
    const log = path.join(storage, 'log');
    fs.writeFileSync(path.join(storage, 'before'), `#!/bin/sh\necho "before $1" >> ${log}\nexit 3\n`, { mode: 0o755 });
    const before = { maps: stableMaps(target!.pid) };
    const msg = expectRefusedUntouched(['patch', '-p', pid, storage], 'STORAGE_HOOK_FAILED', before);
    expect(msg).toContain('exited with 3');
    expect(fs.readFileSync(log, 'utf8')).toBe(`before ${pid}\n`);

    fs.writeFileSync(path.join(storage, 'before'), `#!/bin/sh\necho "before $1" >> ${log}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(storage, 'after'), `#!/bin/sh\necho "after $1" >> ${log}\nexit 1\n`, { mode: 0o755 });
    const r = runCtl(['patch', '-p', pid, storage]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('tscare-ctl: warning: ');
    expect(fs.readFileSync(log, 'utf8')).toBe(`before ${pid}\nbefore ${pid}\nafter ${pid}\n`);
    expect(runCtl(['unpatch', '-p', pid, '-i', '0001']).code).toBe(0);
    await expectStillOld();
  });
});
