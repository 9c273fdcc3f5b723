/** Freezing a real process and running system calls inside it, from this (test) process. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getAddr } from './regs.js';
import { openProcMem } from './proc-mem.js';
import { readMaps } from './proc-maps.js';
import { remoteSyscall, SYS_MMAP, SYS_MUNMAP } from './remote-exec.js';
import { loadSysApi } from './sys.js';
import { killTarget, linesAfter, outputSize, startTarget, type Target } from './test-targets.js';
import { freezeProcess, thawProcess } from './threads.js';

let dir: string;
let target: Target;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-remote-'));
  // A shell loop is enough: it sleeps in a system call most of the time, like real services.
  target = startTarget('/bin/sh', ['-c', 'while :; do echo tick; sleep 0.02; done'], path.join(dir, 'out'));
});

afterAll(() => {
  killTarget(target);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a thread stopped in a system call runs getpid and mmap/munmap, then goes on unharmed', async () => {
  await linesAfter(target.out, 0, 2);
  const sys = loadSysApi();
  const mem = openProcMem(target.pid, true);
  const frozen = freezeProcess(sys, target.pid);
  let ip: number;
  try {
    expect(frozen.threads.map((t) => t.tid)).toEqual([target.pid]);
    const thread = frozen.threads[0];
    ip = getAddr(thread.regs, 'rip');
    const stubAddr = readMaps(target.pid).find((v) => v.perms[2] === 'x' && v.name.startsWith('/'))!.start;
    const code = mem.read(stubAddr, 16);
    const rc = { sys, mem, thread, stubAddr };
    expect(remoteSyscall(rc, 39, [])).toBe(BigInt(target.pid));
    const addr = remoteSyscall(rc, SYS_MMAP, [0, 8192, 3, 0x22, -1, 0]);
    expect(addr > 0n).toBe(true);
    // (The kernel may merge the new mapping with a neighbour.)
    expect(readMaps(target.pid).some((v) => v.start <= Number(addr) && v.end >= Number(addr) + 8192 && v.perms === 'rw-p')).toBe(true);
    expect(remoteSyscall(rc, SYS_MUNMAP, [addr, 8192])).toBe(0n);
    expect(remoteSyscall(rc, SYS_MUNMAP, [1, 8192])).toBe(-22n); // EINVAL comes back as a value
    expect(mem.read(stubAddr, 16)).toEqual(code); // the borrowed bytes are back
  } finally {
    thawProcess(sys, frozen);
    mem.close();
  }
  const at = outputSize(target.out);
  expect(new Set(await linesAfter(target.out, at, 3))).toEqual(new Set(['tick']));
  expect(ip).toBeGreaterThan(0);
});
