/**
 * Targets that do not sit still: they exit, exec, fork (with a SIGCHLD storm), are held by
 * another debugger, are stopped, or are zombies. Each ends with a clear message naming the
 * pid, or a correct patch, and no harm to the target.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { entryJumps, functionAddresses } from './pair-probe.js';
import {
  anonExecMappings, buildFixture, killTarget, linesAfter, outputSize, runCtl, sleep, stableMaps, startTarget,
  type BuiltFixture, type Target,
} from './test-targets.js';

let dir: string;
let pair: BuiltFixture;
const targets: Target[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (ptrace of processes that are not our children)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-hostile-'));
  pair = buildFixture(dir, 'pair', 'pair.s', 'pair-patched.s', '0001');
});

afterAll(() => {
  targets.forEach(killTarget);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(exe: string, args: string[], name: string): Promise<Target> {
  const t = startTarget(exe, args, path.join(dir, `${name}.out`));
  targets.push(t);
  await linesAfter(t.out, 0, 1);
  return t;
}

function status(pid: number): { state: string; tracer: number; ppid: number } {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (n: string): string => new RegExp(`^${n}:\\s*(.*)$`, 'm').exec(text)![1];
  return { state: field('State').charAt(0), tracer: Number(field('TracerPid')), ppid: Number(field('PPid')) };
}

/** The target is running on its own: not stopped, not traced, not a zombie. */
function expectFree(pid: number): void {
  expect(status(pid)).toMatchObject({ tracer: 0 });
  expect(status(pid).state).toMatch(/^[RS]$/);
}

function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => {
    try {
      return status(p).ppid === pid;
    } catch {
      return false; // exited meanwhile
    }
  });
}

function expectFailed(r: { code: number | null; stderr: string }, code: string, message: string): void {
  expect(r.code).toBe(255);
  expect(r.stderr).toContain(`tscare-ctl: error ${code}: ${message}`);
}

test('a target forking a child every 2 ms (a SIGCHLD storm): patched and unpatched 3 times, no child left stopped or traced', async () => {
  const fx = buildFixture(dir, 'hostile', 'forker.s', 'forker-patched.s', '0003');
  const t = await start(fx.exe, ['2'], 'forker');
  for (let round = 0; round < 3; round++) {
    for (const [args, word] of [[['patch', '-p', String(t.pid), fx.kpatch], 'new'], [['unpatch', '-p', String(t.pid), '-i', '0003'], 'old']] as const) {
      expect(runCtl([...args])).toMatchObject({ code: 0, stderr: '' });
      // A child forked just before the change may still print the other word: look at the last lines.
      const lines = await linesAfter(t.out, outputSize(t.out), 10);
      expect(lines.slice(-3).every((l) => l.endsWith(`: ${word}`))).toBe(true);
      expectFree(t.pid);
      for (const c of childrenOf(t.pid)) {
        try {
          expect(status(c).tracer).toBe(0);
          expect(status(c).state).not.toMatch(/^[tT]$/);
        } catch (e) {
          if (fs.existsSync(`/proc/${c}`)) throw e; // else: it exited between the two reads
        }
      }
    }
  }
});

test('a target that execs itself every 2 ms: refused (PROCESS_EXECED naming the pid), and the new program untouched', async () => {
  const fx = buildFixture(dir, 'hostile', 'reexec.s', 'reexec-patched.s', '0004');
  const t = await start(fx.exe, ['2'], 'reexec');
  // Usually the exec lands while tscare-ctl works (PROCESS_EXECED). When its snapshot
  // catches the new image before ld.so has mapped libc, the refusal comes earlier, from
  // symbol resolution; either way nothing may change.
  for (let i = 0; i < 3; i++) {
    const r = runCtl(['patch', '-p', String(t.pid), fx.kpatch]);
    expect(r.code).toBe(255);
    const code = /tscare-ctl: error ([A-Z_]+):/.exec(r.stderr)?.[1] ?? r.stderr;
    expect(['PROCESS_EXECED', 'SYMBOL_UNRESOLVED']).toContain(code);
    if (code === 'PROCESS_EXECED') expect(r.stderr).toContain(`process ${t.pid} called execve while being patched`);
  }
  const lines = await linesAfter(t.out, outputSize(t.out), 5);
  expect(lines.every((l) => /^gen \d+: old$/.test(l))).toBe(true);
  expectFree(t.pid);
  expect(anonExecMappings(t.pid)).toEqual([]);
});

test('a target killed by the before hook: PROCESS_EXITED naming the pid', async () => {
  const t = await start(pair.exe, ['10'], 'exits');
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage, { mode: 0o755 });
  fs.copyFileSync(pair.kpatch, path.join(storage, `${pair.buildId}.kpatch`));
  fs.writeFileSync(path.join(storage, 'before'), '#!/bin/sh\nkill -9 "$1"\n', { mode: 0o755 });
  expectFailed(runCtl(['patch', '-p', String(t.pid), storage]), 'PROCESS_EXITED', `process ${t.pid} exited while being patched`);
});

test('a target held by strace: PROCESS_ALREADY_TRACED naming the tracer; untouched; patched once strace is gone', async () => {
  const t = await start(pair.exe, ['10'], 'traced');
  const before = stableMaps(t.pid);
  const strace: ChildProcess = spawn('strace', ['-p', String(t.pid), '-o', '/dev/null'], { stdio: 'ignore' });
  try {
    while (status(t.pid).tracer === 0) await sleep(20);
    expectFailed(runCtl(['patch', '-p', String(t.pid), pair.kpatch]), 'PROCESS_ALREADY_TRACED', `process ${t.pid} is already traced by pid ${strace.pid} (strace)`);
    expect(stableMaps(t.pid)).toBe(before);
  } finally {
    strace.kill('SIGTERM');
  }
  while (status(t.pid).tracer !== 0) await sleep(20);
  expect(runCtl(['patch', '-p', String(t.pid), pair.kpatch])).toMatchObject({ code: 0, stderr: '' });
  expect(await linesAfter(t.out, outputSize(t.out), 2)).toContain('first=new second=new');
});

test('a stopped (SIGSTOP) target is patched and left stopped; SIGCONT runs the new code', async () => {
  const t = await start(pair.exe, ['10'], 'stopped');
  const addrs = functionAddresses(pair.exe, t.pid);
  process.kill(t.pid, 'SIGSTOP');
  while (status(t.pid).state !== 'T') await sleep(10);
  const size = outputSize(t.out);
  expect(runCtl(['patch', '-p', String(t.pid), pair.kpatch])).toMatchObject({ code: 0, stderr: '' });
  await sleep(200);
  expect(status(t.pid)).toMatchObject({ state: 'T', tracer: 0 });
  expect(outputSize(t.out)).toBe(size); // it did not run its own code meanwhile
  expect(entryJumps(t.pid, addrs)).toEqual([true, true]);
  process.kill(t.pid, 'SIGCONT');
  expect(new Set((await linesAfter(t.out, size, 3)).slice(1))).toEqual(new Set(['first=new second=new']));
  expectFree(t.pid);
});

test('a zombie: PROCESS_ZOMBIE naming the pid, for patch, unpatch and info', () => {
  // The shell starts a short sleep in the background, then becomes a long one, which never reaps it.
  const r = spawnSync('sh', ['-c', `setsid sh -c 'sleep 0.3 >/dev/null 2>&1 & echo $!; exec sleep 30 >/dev/null 2>&1 </dev/null' &`], { encoding: 'utf8' });
  const zombie = Number(r.stdout.trim().split('\n')[0]);
  targets.push({ pid: status(zombie).ppid, out: '' });
  for (let i = 0; status(zombie).state !== 'Z' && i < 100; i++) spawnSync('sleep', ['0.02']);
  expect(status(zombie).state).toBe('Z');
  const msg = `process ${zombie} is a zombie: it has exited and its parent has not reaped it yet`;
  expectFailed(runCtl(['patch', '-p', String(zombie), pair.kpatch]), 'PROCESS_ZOMBIE', msg);
  expectFailed(runCtl(['unpatch', '-p', String(zombie), '-i', '0001']), 'PROCESS_ZOMBIE', msg);
  expectFailed(runCtl(['info', '-p', String(zombie)]), 'PROCESS_ZOMBIE', msg);
});
