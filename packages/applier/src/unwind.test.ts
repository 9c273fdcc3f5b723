/**
 * The DWARF unwinder against real -O2 -fomit-frame-pointer code: a stopped process's
 * threads unwind to the same return addresses gdb finds and the program itself recorded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getAddr } from './regs.js';
import { loadSysApi } from './sys.js';
import { snapshotTarget } from './target.js';
import { FIXTURES, killTarget, linesAfter, startTarget, type Target } from './test-targets.js';
import { freezeProcess, thawProcess } from './threads.js';
import { buildUnwindTables, unwindThread, type UnwindResult } from './unwind.js';
import { checkThread, type CodeRange } from './safety.js';

let dir: string;
let target: Target;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tscare-unwind-'));
  for (const name of ['chain', 'in-handler']) {
    execFileSync('gcc', ['-O2', '-fomit-frame-pointer', '-o', path.join(dir, name), path.join(FIXTURES, 'unwind', `${name}.c`), '-lpthread']);
  }
  target = startTarget(path.join(dir, 'chain'), [], path.join(dir, 'out'));
});

afterAll(() => {
  killTarget(target);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Each thread's frames as gdb prints them, by thread id; NaN for gdb's "<signal handler called>". */
function gdbBacktraces(pid: number): Map<number, number[]> {
  // No separate debug info: with it gdb adds tail-call frames that are not on the stack.
  const r = spawnSync('gdb', ['-batch', '-nx', '-iex', 'set debug-file-directory /nonexistent', '-p', String(pid), '-ex', 'set backtrace past-main on',
    '-ex', 'set print frame-info location-and-address', '-ex', 'thread apply all bt'], { encoding: 'utf8' });
  const out = new Map<number, number[]>();
  let current: number[] = [];
  for (const line of r.stdout.split('\n')) {
    const t = /^Thread \d+ \(.*LWP (\d+)\)/.exec(line);
    if (t) out.set(Number(t[1]), (current = []));
    const f = /^#\d+\s+0x([0-9a-f]+) in /.exec(line);
    if (f) current.push(parseInt(f[1], 16));
    else if (/^#\d+\s+<signal handler called>/.test(line)) current.push(NaN);
  }
  return out;
}

function unwindAll(pid: number): Map<number, UnwindResult> {
  const sys = loadSysApi();
  const snap = snapshotTarget(pid, false);
  const tables = buildUnwindTables(snap.objects);
  const out = new Map<number, UnwindResult>();
  const frozen = freezeProcess(sys, pid);
  try {
    for (const t of frozen.threads) {
      const rsp = getAddr(t.regs, 'rsp');
      const vma = snap.vmas.find((v) => rsp >= v.start && rsp < v.end)!;
      out.set(t.tid, unwindThread(tables, t.regs, { base: rsp, bytes: snap.mem.read(rsp, vma.end - rsp) }));
    }
  } finally {
    thawProcess(sys, frozen);
    snap.mem.close();
  }
  return out;
}

test('two sleeping threads unwind through -O2 frames without frame pointers exactly as gdb does', async () => {
  const printed = await linesAfter(target.out, 0, 2);
  const ours = unwindAll(target.pid);
  const gdb = gdbBacktraces(target.pid);
  expect([...ours.keys()].sort()).toEqual([...gdb.keys()].sort());
  for (const [tid, result] of ours) {
    expect(result.kind).toBe('complete');
    expect(result.frames.map((f) => f.ip)).toEqual(gdb.get(tid));
    expect(result.frames.length).toBeGreaterThanOrEqual(7);
    expect(result.frames[0].exact).toBe(true);
    expect(result.frames.slice(1).every((f) => !f.exact)).toBe(true);
  }
  // The return addresses the program recorded itself appear in order in our frames.
  for (const line of printed) {
    const [who, ...ras] = line.split(/:? /);
    const tid = who === 'main' ? target.pid : [...ours.keys()].find((t) => t !== target.pid)!;
    const ips = ours.get(tid)!.frames.map((f) => f.ip);
    const at = ips.indexOf(parseInt(ras[0], 16));
    expect(at).toBeGreaterThan(0);
    expect(ips.slice(at, at + 4)).toEqual(ras.map((h) => parseInt(h, 16)));
  }
});

test('a thread asleep in a signal handler unwinds through the signal frame into the interrupted function', async () => {
  const t = startTarget(path.join(dir, 'in-handler'), [], path.join(dir, 'handler-out'));
  try {
    await new Promise((res) => setTimeout(res, 300));
    const [result] = unwindAll(t.pid).values();
    const [expected] = gdbBacktraces(t.pid).values();
    expect(result.kind).toBe('complete');
    const sigtramp = expected.findIndex((ip) => Number.isNaN(ip));
    expect(sigtramp).toBeGreaterThan(0);
    const ips = result.frames.map((f, i) => (i === sigtramp ? NaN : f.ip));
    expect(ips).toEqual(expected);
    // After the signal frame the pc is where the signal struck, not a return address.
    expect(result.frames[sigtramp + 1].exact).toBe(true);
    expect(result.frames.filter((f) => f.exact)).toHaveLength(2);
  } finally {
    killTarget(t);
  }
});

test('the safety check: a busy frame found by unwinding has a return address to run to; without call-frame information the scan still finds it', () => {
  const sys = loadSysApi();
  const snap = snapshotTarget(target.pid, false);
  const exe = snap.objects.find((o) => o.name === 'chain')!;
  const symtab = exe.elf.sections.find((s) => s.name === '.symtab')!;
  const range = (name: string): CodeRange => {
    const sym = exe.elf.symbols(symtab).find((s) => s.name === name)!;
    return { start: exe.bias + sym.st_value, end: exe.bias + sym.st_value + sym.st_size, name };
  };
  const full = buildUnwindTables(snap.objects);
  const none = buildUnwindTables([]);
  const frozen = freezeProcess(sys, target.pid);
  try {
    const t = frozen.threads.find((x) => x.tid === target.pid)!;
    const rsp = getAddr(t.regs, 'rsp');
    const vma = snap.vmas.find((v) => rsp >= v.start && rsp < v.end)!;
    const stack = { base: rsp, bytes: snap.mem.read(rsp, vma.end - rsp) };
    const frames = (unwindThread(full, t.regs, stack) as { frames: { ip: number }[] }).frames;
    const level1 = range('level1');
    const precise = checkThread(t, stack, full, [range('level2'), level1]);
    // level1 is the outermost busy frame: run forward to where it returns, in level0.
    const level1Frame = frames.findIndex((f) => f.ip > level1.start && f.ip <= level1.end);
    expect(precise).toMatchObject({ kind: 'busy', method: 'unwind', how: 'will-return', range: { name: 'level1' }, returnIp: frames[level1Frame + 1].ip });
    const level0 = range('level0');
    expect(frames[level1Frame + 1].ip > level0.start && frames[level1Frame + 1].ip <= level0.end).toBe(true);
    expect(checkThread(t, stack, full, [range('worker')])).toMatchObject({ kind: 'idle', method: 'unwind' });

    const scanned = checkThread(t, stack, none, [range('level2')]);
    expect(scanned).toMatchObject({ kind: 'busy', method: 'scan', note: expect.stringContaining('no call-frame information') });
    expect(scanned.kind === 'busy' && scanned.returnIp).toBeUndefined();
  } finally {
    thawProcess(sys, frozen);
    snap.mem.close();
  }
});
